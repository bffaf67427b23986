/*
 * garde.connlogs._native: the hot loop of connection-log verification, in C.
 *
 * For a range of a segment's rows (seqs low..high, in seq order) it rebuilds each row's
 * version-1 encoding exactly as garde/connlogs/encoding.py `entry_text` does, hashes the leaf
 * SHA-256(0x00 || encoding), compares it with the stored hex `leaf_hash`, checks that the rows
 * are exactly the seqs low..high with `index == seq - first_seq`, and folds the RFC 9162 tree of
 * the range with an incremental stack (the "compact range": one perfect subtree per bit of the
 * count). It stops at the first row it cannot vouch for and reports that row's expected seq;
 * the Python side then runs its reference walk, which names the problem.
 *
 * Two row sources, both with the GIL released:
 *   - verify_sqlite(): opens the SQLite file itself, read-only, and steps through the rows;
 *   - CopyCheck: an incremental parser of PostgreSQL's binary COPY output, fed block by block.
 *
 * Both return (bad, count, frontier, snapshots):
 *   bad       None, or the seq expected at the first row that is missing, out of place, not in
 *             the shape ingest writes or whose leaf does not match;
 *   count     the number of leaves folded (rows accepted);
 *   frontier  the compact range of those leaves, largest subtree first, as concatenated
 *             32-byte hashes (popcount(count) of them);
 *   snapshots the compact range at each requested local size ("marks"), in the same form.
 *
 * Only what the Python fast path accepts is accepted here (tests/connlogs/test_verify_native.py
 * compares both on generated and tampered logs); anything else is reported as `bad`.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

/* The low-level SHA-256 API is deprecated in OpenSSL 3 but has no per-call algorithm fetch,
 * which EVP_Q_digest/SHA256() pay; it uses the same SHA-NI/AVX2 code. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <sqlite3.h>

#define HASH 32
#define MAX_DEPTH 64
/* Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's timestamp epoch). */
#define PG_EPOCH_US INT64_C(946684800000000)

/* ------------------------------------------------------------------ encoding helpers */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} Buffer;

/* Make room for `extra` more bytes; 0 on success, -1 when out of memory or on overflow. */
static int buffer_reserve(Buffer *b, size_t extra) {
    if (extra > SIZE_MAX - b->len) return -1;
    size_t need = b->len + extra;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 512;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *data = realloc(b->data, cap);
    if (data == NULL) return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

/* Number of decimal digits of `magnitude`. */
static size_t decimal_digits(uint64_t magnitude) {
    size_t n = 1;
    while (magnitude >= 10) {
        magnitude /= 10;
        n++;
    }
    return n;
}

/* Write `value` in decimal (with a leading '-' when negative) at `out`; returns the length.
 * `out` must hold 20 bytes. */
static size_t format_i64(char *out, int64_t value) {
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    size_t sign = value < 0, len = sign + decimal_digits(magnitude);
    char *p = out + len;
    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (sign) out[0] = '-';
    return len;
}

/* Number of code points of the UTF-8 text p[0..n), or -1 unless it is well-formed UTF-8
 * (no overlong forms, no surrogates, nothing above U+10FFFF: what Python's decoder accepts). */
static int64_t utf8_count(const unsigned char *p, size_t n) {
    size_t i = 0;
    int64_t count = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time. */
        if (i + 8 <= n) {
            uint64_t word;
            memcpy(&word, p + i, 8);
            if ((word & UINT64_C(0x8080808080808080)) == 0) {
                i += 8;
                count += 8;
                continue;
            }
        }
        unsigned char c = p[i];
        if (c < 0x80) {
            i += 1;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (p[i + 1] & 0xC0) != 0x80) return -1;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80) return -1;
            if (c == 0xE0 && p[i + 1] < 0xA0) return -1; /* overlong */
            if (c == 0xED && p[i + 1] > 0x9F) return -1; /* surrogate */
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80 ||
                (p[i + 3] & 0xC0) != 0x80)
                return -1;
            if (c == 0xF0 && p[i + 1] < 0x90) return -1; /* overlong */
            if (c == 0xF4 && p[i + 1] > 0x8F) return -1; /* above U+10FFFF */
            i += 4;
        } else {
            return -1;
        }
        count += 1;
    }
    return count;
}

/* Append F(x) = <code points> ":" x; -1 on invalid UTF-8. Room must have been reserved. */
static int put_text(Buffer *b, const char *p, size_t n) {
    int64_t points = utf8_count((const unsigned char *)p, n);
    if (points < 0) return -1;
    b->len += format_i64(b->data + b->len, points);
    b->data[b->len++] = ':';
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

/* Append F(decimal of value); its code points are its bytes. */
static void put_int(Buffer *b, int64_t value) {
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    size_t len = (value < 0) + decimal_digits(magnitude);
    if (len < 10) {
        b->data[b->len++] = (char)('0' + len);
    } else {
        b->data[b->len++] = (char)('0' + len / 10);
        b->data[b->len++] = (char)('0' + len % 10);
    }
    b->data[b->len++] = ':';
    b->len += format_i64(b->data + b->len, value);
}

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits_at(const char *p, int n, int64_t *out) {
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

/* Microseconds since the epoch of Django's SQLite datetime text, only in the exact form ingest
 * writes: "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD HH:MM:SS.ffffff" (ASCII digits, a real date,
 * years 1..9999); -1 otherwise (the Python fast path declines the same texts). */
static int parse_sqlite_ts(const char *p, size_t n, int64_t *out) {
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y, mo, d, h, mi, s, frac = 0;
    if (n != 19 && n != 26) return -1;
    if (p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':') return -1;
    if (digits_at(p, 4, &y) || digits_at(p + 5, 2, &mo) || digits_at(p + 8, 2, &d) ||
        digits_at(p + 11, 2, &h) || digits_at(p + 14, 2, &mi) || digits_at(p + 17, 2, &s))
        return -1;
    if (n == 26 && (p[19] != '.' || digits_at(p + 20, 6, &frac))) return -1;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > month_days[mo - 1] + (mo == 2 && leap)) return -1;
    int64_t seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    *out = seconds * 1000000 + frac;
    return 0;
}

/* ------------------------------------------------------------------ the walk */

typedef struct {
    const char *p; /* NULL when the value is NULL */
    size_t n;
} Text;

/* One row as the sources hand it over. */
typedef struct {
    int64_t seq, index, ts_us, port;
    int port_null;
    Text service, event, account, ip, session, raw, leaf_hex;
} Row;

typedef struct {
    int64_t first_seq; /* the segment's first seq: index = seq - first_seq */
    int64_t expected;  /* the next seq expected */
    int64_t high;      /* the range's last seq */
    int64_t bad;       /* seq expected at the first refused row, or -1 */
    char day[16];      /* "YYYY-MM-DD" */
    size_t day_len;
    Buffer enc;
    /* tree of the range */
    unsigned char stack[MAX_DEPTH][HASH];
    int depth;
    uint64_t count;
    /* marks: local sizes whose compact range is wanted, ascending */
    int64_t *marks;
    Py_ssize_t n_marks, next_mark;
    Buffer snaps;        /* their compact ranges, concatenated */
    Py_ssize_t *snap_at; /* offset of each snapshot in snaps */
} Walk;

static void walk_free(Walk *w) {
    free(w->enc.data);
    free(w->snaps.data);
    free(w->marks);
    free(w->snap_at);
    memset(w, 0, sizeof(*w));
}

/* Initialise from the Python arguments (GIL held); -1 with an exception set on error. */
static int walk_init(Walk *w, const char *day, Py_ssize_t day_len, int64_t first_seq,
                     int64_t low, int64_t high, PyObject *marks) {
    memset(w, 0, sizeof(*w));
    if (day_len <= 0 || day_len >= (Py_ssize_t)sizeof(w->day)) {
        PyErr_SetString(PyExc_ValueError, "day must be an ISO date");
        return -1;
    }
    memcpy(w->day, day, (size_t)day_len);
    w->day_len = (size_t)day_len;
    w->first_seq = first_seq;
    w->expected = low;
    w->high = high;
    w->bad = -1;
    PyObject *seq = PySequence_Fast(marks, "marks must be a sequence of ints");
    if (seq == NULL) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    w->marks = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    w->snap_at = malloc(sizeof(Py_ssize_t) * (size_t)(n ? n : 1));
    if (w->marks == NULL || w->snap_at == NULL) {
        Py_DECREF(seq);
        walk_free(w);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long long v = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            walk_free(w);
            return -1;
        }
        if (v < 1 || (i > 0 && v <= w->marks[i - 1])) {
            Py_DECREF(seq);
            walk_free(w);
            PyErr_SetString(PyExc_ValueError, "marks must be ascending positive sizes");
            return -1;
        }
        w->marks[i] = v;
    }
    w->n_marks = n;
    Py_DECREF(seq);
    return 0;
}

/* SHA-256 of p[0..n) into out (the low-level API: see the include above). */
static void sha256_once(const void *p, size_t n, unsigned char *out) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, p, n);
    SHA256_Final(out, &ctx);
}

static void node_hash(unsigned char *out, const unsigned char *left, const unsigned char *right) {
    unsigned char block[1 + 2 * HASH];
    block[0] = 0x01;
    memcpy(block + 1, left, HASH);
    memcpy(block + 1 + HASH, right, HASH);
    sha256_once(block, sizeof(block), out);
}

/* Add a leaf to the compact range: each trailing one bit of the old count is a perfect
 * subtree the new leaf completes. */
static void tree_push(Walk *w, const unsigned char *leaf) {
    memcpy(w->stack[w->depth++], leaf, HASH);
    for (uint64_t c = w->count; c & 1; c >>= 1) {
        node_hash(w->stack[w->depth - 2], w->stack[w->depth - 2], w->stack[w->depth - 1]);
        w->depth--;
    }
    w->count++;
}

static const char HEX[] = "0123456789abcdef";

/* Check one row; 0 to go on, 1 when the row is refused (w->bad set), -1 out of memory. */
static int walk_row(Walk *w, const Row *r) {
    if (w->bad >= 0) return 1;
    if (r->seq != w->expected || r->seq > w->high || r->index != w->expected - w->first_seq)
        goto refuse;
    if (r->service.p == NULL || r->event.p == NULL || r->raw.p == NULL || r->leaf_hex.p == NULL ||
        r->leaf_hex.n != 2 * HASH)
        goto refuse;
    /* Worst case: 11 length prefixes and colons, 4 integers, the texts. */
    size_t texts = r->service.n + r->event.n + r->raw.n + (r->account.p ? r->account.n : 0) +
                   (r->ip.p ? r->ip.n : 0) + (r->session.p ? r->session.n : 0);
    if (texts > SIZE_MAX / 2) goto refuse;
    w->enc.len = 0;
    if (buffer_reserve(&w->enc, texts + w->day_len + 3 + 11 * 22 + 4 * 20)) return -1;
    Buffer *b = &w->enc;
    memcpy(b->data, "\0v1", 3);
    b->len = 3;
    put_int(b, r->seq);
    b->len += format_i64(b->data + b->len, (int64_t)w->day_len);
    b->data[b->len++] = ':';
    memcpy(b->data + b->len, w->day, w->day_len);
    b->len += w->day_len;
    put_int(b, r->index);
    put_int(b, r->ts_us);
    if (put_text(b, r->service.p, r->service.n) || put_text(b, r->event.p, r->event.n))
        goto refuse;
    const Text *optional[2] = {&r->account, &r->ip};
    for (int i = 0; i < 2; i++) {
        if (optional[i]->p == NULL)
            b->data[b->len++] = '-';
        else if (put_text(b, optional[i]->p, optional[i]->n))
            goto refuse;
    }
    if (r->port_null)
        b->data[b->len++] = '-';
    else
        put_int(b, r->port);
    if (r->session.p == NULL)
        b->data[b->len++] = '-';
    else if (put_text(b, r->session.p, r->session.n))
        goto refuse;
    if (put_text(b, r->raw.p, r->raw.n)) goto refuse;

    unsigned char leaf[HASH];
    sha256_once(b->data, b->len, leaf);
    for (int i = 0; i < HASH; i++) {
        if (r->leaf_hex.p[2 * i] != HEX[leaf[i] >> 4] ||
            r->leaf_hex.p[2 * i + 1] != HEX[leaf[i] & 15])
            goto refuse;
    }
    tree_push(w, leaf);
    w->expected++;
    while (w->next_mark < w->n_marks && (uint64_t)w->marks[w->next_mark] == w->count) {
        if (buffer_reserve(&w->snaps, (size_t)w->depth * HASH)) return -1;
        w->snap_at[w->next_mark++] = (Py_ssize_t)w->snaps.len;
        memcpy(w->snaps.data + w->snaps.len, w->stack, (size_t)w->depth * HASH);
        w->snaps.len += (size_t)w->depth * HASH;
    }
    return 0;
refuse:
    w->bad = w->expected;
    return 1;
}

/* The walk's result tuple (GIL held): (bad, count, frontier, [snapshot, ...]). */
static PyObject *walk_result(Walk *w) {
    if (w->bad < 0 && w->expected != w->high + 1) w->bad = w->expected; /* rows missing at the end */
    PyObject *snaps = PyList_New(0);
    if (snaps == NULL) return NULL;
    for (Py_ssize_t i = 0; i < w->next_mark; i++) {
        Py_ssize_t end = i + 1 < w->next_mark ? w->snap_at[i + 1] : (Py_ssize_t)w->snaps.len;
        PyObject *snap = PyBytes_FromStringAndSize(w->snaps.data + w->snap_at[i], end - w->snap_at[i]);
        if (snap == NULL || PyList_Append(snaps, snap)) {
            Py_XDECREF(snap);
            Py_DECREF(snaps);
            return NULL;
        }
        Py_DECREF(snap);
    }
    PyObject *bad = w->bad >= 0 ? PyLong_FromLongLong(w->bad) : Py_NewRef(Py_None);
    PyObject *result = bad == NULL ? NULL
                                   : Py_BuildValue("(OKy#O)", bad, (unsigned long long)w->count,
                                                   (const char *)w->stack,
                                                   (Py_ssize_t)w->depth * HASH, snaps);
    Py_XDECREF(bad);
    Py_DECREF(snaps);
    return result;
}

/* ------------------------------------------------------------------ SQLite */

static const char SQLITE_QUERY[] =
    "SELECT seq, \"index\", ts, service, event, account, ip, port, session, raw, leaf_hash "
    "FROM connlogs_entry WHERE seq BETWEEN ?1 AND ?2 AND +segment_day = ?3 ORDER BY seq";

/* A TEXT value (or NULL when `nullable`); 0, or -1 when of another type. The values of a
 * connection used by one thread only may be read with sqlite3_value_*. */
static int sqlite_text(sqlite3_value *v, int nullable, Text *out) {
    int type = sqlite3_value_type(v);
    if (type == SQLITE_NULL && nullable) {
        out->p = NULL;
        out->n = 0;
        return 0;
    }
    if (type != SQLITE_TEXT) return -1;
    out->p = (const char *)sqlite3_value_text(v);
    if (out->p == NULL) return -1; /* out of memory converting: refuse the row */
    out->n = (size_t)sqlite3_value_bytes(v);
    return 0;
}

/* Run the walk over the SQLite file (GIL released). 0, or -1 with `error` filled. */
static int sqlite_walk(Walk *w, const char *path, int64_t low, int64_t high, char *error,
                       size_t error_size) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int status = -1, rc;
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) goto fail;
    if ((rc = sqlite3_busy_timeout(db, 10000)) != SQLITE_OK) goto fail;
    /* Read pages through a memory map rather than read() copies (falls back silently). */
    if ((rc = sqlite3_exec(db, "PRAGMA mmap_size=1073741824", NULL, NULL, NULL)) != SQLITE_OK)
        goto fail;
    if ((rc = sqlite3_prepare_v2(db, SQLITE_QUERY, -1, &st, NULL)) != SQLITE_OK) goto fail;
    if ((rc = sqlite3_bind_int64(st, 1, low)) != SQLITE_OK ||
        (rc = sqlite3_bind_int64(st, 2, high)) != SQLITE_OK ||
        (rc = sqlite3_bind_text(st, 3, w->day, (int)w->day_len, SQLITE_STATIC)) != SQLITE_OK)
        goto fail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        Row r;
        sqlite3_value *v[11];
        for (int i = 0; i < 11; i++) v[i] = sqlite3_column_value(st, i);
        Text ts;
        int port_type = sqlite3_value_type(v[7]);
        int refused = sqlite3_value_type(v[0]) != SQLITE_INTEGER ||
                      sqlite3_value_type(v[1]) != SQLITE_INTEGER || sqlite_text(v[2], 0, &ts) ||
                      parse_sqlite_ts(ts.p, ts.n, &r.ts_us) ||
                      (port_type != SQLITE_NULL && port_type != SQLITE_INTEGER) ||
                      sqlite_text(v[3], 0, &r.service) || sqlite_text(v[4], 0, &r.event) ||
                      sqlite_text(v[5], 1, &r.account) || sqlite_text(v[6], 1, &r.ip) ||
                      sqlite_text(v[8], 1, &r.session) || sqlite_text(v[9], 0, &r.raw) ||
                      sqlite_text(v[10], 0, &r.leaf_hex);
        if (refused) {
            w->bad = w->expected;
            break;
        }
        r.seq = sqlite3_value_int64(v[0]);
        r.index = sqlite3_value_int64(v[1]);
        r.port_null = port_type == SQLITE_NULL;
        r.port = r.port_null ? 0 : sqlite3_value_int64(v[7]);
        int walked = walk_row(w, &r);
        if (walked < 0) {
            snprintf(error, error_size, "out of memory");
            goto done;
        }
        if (walked > 0) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) goto fail;
    status = 0;
    goto done;
fail:
    snprintf(error, error_size, "sqlite: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
done:
    sqlite3_finalize(st); /* harmless on NULL */
    sqlite3_close(db);    /* harmless on NULL */
    return status;
}

PyDoc_STRVAR(verify_sqlite_doc,
             "verify_sqlite(path, day, first_seq, low, high, marks) -> (bad, count, frontier, "
             "snapshots)\n\nCheck the rows of segment `day` with seqs low..high in the SQLite "
             "file `path` (opened read-only). RuntimeError when the file cannot be read.");

static PyObject *verify_sqlite(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *path_obj, *marks;
    const char *day;
    Py_ssize_t day_len;
    long long first_seq, low, high;
    if (!PyArg_ParseTuple(args, "O&s#LLLO", PyUnicode_FSConverter, &path_obj, &day, &day_len,
                          &first_seq, &low, &high, &marks))
        return NULL;
    Walk w;
    if (walk_init(&w, day, day_len, first_seq, low, high, marks)) {
        Py_DECREF(path_obj);
        return NULL;
    }
    char error[512] = "";
    int status;
    const char *path = PyBytes_AS_STRING(path_obj);
    Py_BEGIN_ALLOW_THREADS
    status = sqlite_walk(&w, path, low, high, error, sizeof(error));
    Py_END_ALLOW_THREADS
    Py_DECREF(path_obj);
    PyObject *result = status == 0 ? walk_result(&w) : PyErr_Format(PyExc_RuntimeError, "%s", error);
    walk_free(&w);
    return result;
}

/* ------------------------------------------------------------------ PostgreSQL binary COPY */

/* Columns of the COPY query, in order: seq int8, index int8, ts timestamptz (int8), service,
 * event, account, ip text, port int4, session, raw, leaf_hash text. */
#define COPY_FIELDS 11
static const char COPY_SIGNATURE[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', 0};

typedef struct {
    PyObject_HEAD
    Walk walk;
    Buffer pending;  /* bytes of an incomplete tuple (or header) carried to the next feed */
    int header_done; /* the file header was read */
    int trailer;     /* the end marker was read */
    int broken;      /* the stream is not well-formed binary COPY */
    int ready;       /* __init__ succeeded */
} CopyCheck;

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parse what it can of p[0..n) (GIL released). Returns the bytes consumed (complete header or
 * tuples), or -1 out of memory. Sets `broken` on malformed input. */
static Py_ssize_t copy_parse(CopyCheck *c, const unsigned char *p, size_t n) {
    size_t at = 0;
    if (!c->header_done) {
        if (n < 19) return 0;
        if (memcmp(p, COPY_SIGNATURE, 11) != 0) {
            c->broken = 1;
            return (Py_ssize_t)n;
        }
        uint32_t extension = be32(p + 15);
        if (extension > n - 19) return 0; /* wait for the whole extension area */
        at = 19 + extension;
        c->header_done = 1;
    }
    while (!c->broken && !c->trailer && at + 2 <= n) {
        int16_t fields = (int16_t)((p[at] << 8) | p[at + 1]);
        if (fields == -1) {
            c->trailer = 1;
            at += 2;
            break;
        }
        if (fields != COPY_FIELDS) {
            c->broken = 1;
            break;
        }
        /* Find the fields of one complete tuple, or wait for more bytes. */
        Text value[COPY_FIELDS];
        size_t pos = at + 2;
        int complete = 1;
        for (int f = 0; f < COPY_FIELDS; f++) {
            if (pos + 4 > n) {
                complete = 0;
                break;
            }
            int32_t len = (int32_t)be32(p + pos);
            pos += 4;
            if (len == -1) {
                value[f].p = NULL;
                value[f].n = 0;
                continue;
            }
            if (len < 0) {
                c->broken = 1;
                break;
            }
            if ((size_t)len > n - pos) {
                complete = 0;
                break;
            }
            value[f].p = (const char *)p + pos;
            value[f].n = (size_t)len;
            pos += (size_t)len;
        }
        if (c->broken || !complete) break;
        at = pos;
        if (c->walk.bad >= 0) continue; /* past the first refused row: only drain */
        /* Fixed-size columns must have their binary size; ts must be finite. */
        if (value[0].n != 8 || value[0].p == NULL || value[1].n != 8 || value[1].p == NULL ||
            value[2].n != 8 || value[2].p == NULL || (value[7].p != NULL && value[7].n != 4)) {
            c->walk.bad = c->walk.expected;
            continue;
        }
        Row r;
        int64_t ts = be64((const unsigned char *)value[2].p);
        if (ts == INT64_MAX || ts == INT64_MIN || ts > INT64_MAX - PG_EPOCH_US) {
            c->walk.bad = c->walk.expected;
            continue;
        }
        r.seq = be64((const unsigned char *)value[0].p);
        r.index = be64((const unsigned char *)value[1].p);
        r.ts_us = ts + PG_EPOCH_US;
        r.service = value[3];
        r.event = value[4];
        r.account = value[5];
        r.ip = value[6];
        r.port_null = value[7].p == NULL;
        r.port = r.port_null ? 0 : (int32_t)be32((const unsigned char *)value[7].p);
        r.session = value[8];
        r.raw = value[9];
        r.leaf_hex = value[10];
        if (walk_row(&c->walk, &r) < 0) return -1;
    }
    return (Py_ssize_t)at;
}

static int CopyCheck_init(CopyCheck *self, PyObject *args, PyObject *kwds) {
    static char *keywords[] = {"day", "first_seq", "low", "high", "marks", NULL};
    const char *day;
    Py_ssize_t day_len;
    long long first_seq, low, high;
    PyObject *marks;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#LLLO", keywords, &day, &day_len, &first_seq,
                                     &low, &high, &marks))
        return -1;
    if (self->ready) {
        walk_free(&self->walk);
        free(self->pending.data);
        memset(&self->pending, 0, sizeof(self->pending));
        self->ready = 0;
    }
    self->header_done = self->trailer = self->broken = 0;
    if (walk_init(&self->walk, day, day_len, first_seq, low, high, marks)) return -1;
    self->ready = 1;
    return 0;
}

static void CopyCheck_dealloc(CopyCheck *self) {
    if (self->ready) walk_free(&self->walk);
    free(self->pending.data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Release the GIL only for blocks worth it: a row is a few hundred nanoseconds. */
#define RELEASE_GIL_FROM 65536

static PyObject *CopyCheck_feed(CopyCheck *self, PyObject *arg) {
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "CopyCheck not initialised");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE)) return NULL;
    Py_ssize_t used = 0;
    int oom = 0;
    int release = view.len >= RELEASE_GIL_FROM;
    PyThreadState *state = release ? PyEval_SaveThread() : NULL;
    if (!self->broken && !self->trailer) {
        const unsigned char *data = view.buf;
        size_t n = (size_t)view.len;
        if (self->pending.len) { /* complete the carried bytes first */
            if (buffer_reserve(&self->pending, n)) {
                oom = 1;
            } else {
                memcpy(self->pending.data + self->pending.len, data, n);
                self->pending.len += n;
                data = (const unsigned char *)self->pending.data;
                n = self->pending.len;
            }
        }
        if (!oom) {
            used = copy_parse(self, data, n);
            if (used < 0) {
                oom = 1;
            } else if (!self->broken) {
                size_t rest = n - (size_t)used;
                if (data == (const unsigned char *)self->pending.data) {
                    memmove(self->pending.data, self->pending.data + used, rest);
                    self->pending.len = rest;
                } else if (rest) {
                    if (buffer_reserve(&self->pending, rest))
                        oom = 1;
                    else {
                        memcpy(self->pending.data, data + used, rest);
                        self->pending.len = rest;
                    }
                }
            }
        }
    } else if (view.len) {
        self->broken = 1; /* data after the end marker */
    }
    if (release) PyEval_RestoreThread(state);
    PyBuffer_Release(&view);
    if (oom) return PyErr_NoMemory();
    return PyBool_FromLong(self->walk.bad < 0 && !self->broken);
}

static PyObject *CopyCheck_finish(CopyCheck *self, PyObject *Py_UNUSED(ignored)) {
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "CopyCheck not initialised");
        return NULL;
    }
    /* A refused row is the answer even if the stream was not read to its end. */
    if (self->walk.bad < 0 && (self->broken || !self->trailer || self->pending.len)) {
        PyErr_SetString(PyExc_ValueError, "not a complete binary COPY stream of the entry columns");
        return NULL;
    }
    return walk_result(&self->walk);
}

static PyMethodDef CopyCheck_methods[] = {
    {"feed", (PyCFunction)CopyCheck_feed, METH_O,
     "feed(block) -> bool: parse a block of binary COPY data; False once a row was refused."},
    {"finish", (PyCFunction)CopyCheck_finish, METH_NOARGS,
     "finish() -> (bad, count, frontier, snapshots); ValueError on an incomplete stream."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CopyCheckType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "garde.connlogs._native.CopyCheck",
    .tp_doc = PyDoc_STR("CopyCheck(day, first_seq, low, high, marks): checks the rows of a "
                        "binary COPY of the entry columns fed to it."),
    .tp_basicsize = sizeof(CopyCheck),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)CopyCheck_init,
    .tp_dealloc = (destructor)CopyCheck_dealloc,
    .tp_methods = CopyCheck_methods,
};

/* ------------------------------------------------------------------ module */

static PyMethodDef module_methods[] = {
    {"verify_sqlite", verify_sqlite, METH_VARARGS, verify_sqlite_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "garde.connlogs._native",
    .m_doc = "Native hot loop of connection-log verification (see _native.c).",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__native(void) {
    if (PyType_Ready(&CopyCheckType) < 0) return NULL;
    PyObject *module = PyModule_Create(&native_module);
    if (module == NULL) return NULL;
    if (PyModule_AddObjectRef(module, "CopyCheck", (PyObject *)&CopyCheckType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
