"""Issue 6, ingest: the syslog listener on real sockets (UDP, TCP with both RFC 6587 framings)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from garde.connlogs.listener import MAX_MESSAGE, Bound, Item, serve
from garde.connlogs.parsers import LineRejected, ParsedLine

RFC5424 = (
    "<38>1 2026-03-01T10:00:00.250Z web1 sshd 4242 - - "
    "Accepted password for alice from 192.0.2.1 port 51234 ssh2"
)
RFC3164 = "<38>Mar  1 11:00:00 web1 sshd[99]: Disconnected from user alice 192.0.2.1 port 51234"
JSON5424 = '<134>1 2026-03-01T10:00:01Z mail imapd - - - {{"event": "login", "account": "{}"}}'
WAIT_SECONDS = 10.0


@dataclass
class Server:
    """A listener running in a thread, and what its sink received."""

    bound: Bound
    stop: threading.Event
    thread: threading.Thread
    batches: list[list[Item]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def items(self) -> list[Item]:
        with self.lock:
            return [item for batch in self.batches for item in batch]

    def wait_for(self, count: int) -> list[Item]:
        deadline = time.monotonic() + WAIT_SECONDS
        while len(self.items) < count:
            assert time.monotonic() < deadline, f"received {len(self.items)} of {count}"
            time.sleep(0.01)
        return self.items

    def udp(self, payload: bytes) -> None:
        assert self.bound.udp is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(payload, self.bound.udp)

    def tcp(self) -> socket.socket:
        assert self.bound.tcp is not None
        return socket.create_connection(self.bound.tcp, timeout=WAIT_SECONDS)

    def halt(self) -> None:
        self.stop.set()
        self.thread.join(WAIT_SECONDS)
        assert not self.thread.is_alive()


StartServer = Callable[..., Server]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    servers: list[Server] = []

    def start(*, sink: Callable[[list[Item]], None] | None = None, **options: object) -> Server:
        stop = threading.Event()
        ready = threading.Event()
        bound: list[Bound] = []
        server: Server

        def record(batch: list[Item]) -> None:
            with server.lock:
                server.batches.append(list(batch))

        def on_bound(addresses: Bound) -> None:
            bound.append(addresses)
            ready.set()

        arguments: dict[str, object] = {
            "udp": ("127.0.0.1", 0),
            "tcp": ("127.0.0.1", 0),
            "flush_seconds": 0.05,
            **options,
        }
        thread = threading.Thread(
            target=serve,
            kwargs={
                **arguments,
                "sink": sink or record,
                "stop": stop,
                "on_bound": on_bound,
            },
            daemon=True,
        )
        thread.start()
        assert ready.wait(WAIT_SECONDS)
        server = Server(bound=bound[0], stop=stop, thread=thread)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop.set()
        server.thread.join(WAIT_SECONDS)


def octet_frame(message: str | bytes) -> bytes:
    data = message.encode() if isinstance(message, str) else message
    return str(len(data)).encode() + b" " + data


def parsed(item: Item) -> ParsedLine:
    assert isinstance(item[1], ParsedLine), item[1]
    return item[1]


def reason(item: Item) -> str:
    assert isinstance(item[1], LineRejected), item[1]
    return item[1].reason


# --- UDP -------------------------------------------------------------------------------------


def test_udp_datagrams_rfc5424_and_rfc3164_are_parsed_and_numbered(
    start_server: StartServer,
) -> None:
    # given
    server = start_server()

    # when
    server.udp(RFC5424.encode())
    server.wait_for(1)
    server.udp(RFC3164.encode() + b"\n")
    items = server.wait_for(2)

    # then
    assert [number for number, _ in items] == [1, 2]
    first, second = parsed(items[0]), parsed(items[1])
    assert (first.ts, first.event, first.account, first.session, first.raw) == (
        datetime(2026, 3, 1, 10, 0, 0, 250000, tzinfo=UTC),
        "login",
        "alice",
        "sshd[4242]",
        RFC5424,
    )
    assert (second.event, second.account, second.session, second.raw) == (
        "logout",
        "alice",
        "sshd[99]",
        RFC3164,
    )


def test_udp_bad_messages_are_reported_and_the_server_keeps_going(
    start_server: StartServer,
) -> None:
    # given
    server = start_server()

    # when: not UTF-8, then not a connection event, then a good one
    server.udp(b"<13>Mar  1 11:00:00 web1 app: caf\xe9 au lait")
    server.wait_for(1)
    server.udp(b"<13>1 2026-03-01T10:00:00Z h app - - - hello")
    server.wait_for(2)
    server.udp(RFC5424.encode())
    items = server.wait_for(3)

    # then
    assert reason(items[0]) == (
        "no connection event: no connlog structured data, no JSON object, not an sshd message"
    )
    assert reason(items[1]) == reason(items[0])
    assert parsed(items[2]).account == "alice"
    assert [number for number, _ in items] == [1, 2, 3]


# --- TCP, octet counting (RFC 6587 §3.4.1) ---------------------------------------------------


def test_tcp_octet_counting_frames_across_and_within_segments(start_server: StartServer) -> None:
    # given
    server = start_server()
    stream = b"".join(octet_frame(JSON5424.format(name)) for name in ("a", "b", "c"))
    stream += octet_frame(RFC3164)

    # when: cut in the middle of a length and in the middle of a message
    with server.tcp() as conn:
        for piece in (stream[:1], stream[1:40], stream[40:]):
            conn.sendall(piece)
            time.sleep(0.02)
        items = server.wait_for(4)

    # then
    assert [parsed(item).account for item in items] == ["a", "b", "c", "alice"]
    assert parsed(items[0]).raw == JSON5424.format("a")
    assert [number for number, _ in items] == [1, 2, 3, 4]


def test_tcp_octet_counting_refuses_an_oversize_frame_and_reads_the_next(
    start_server: StartServer,
) -> None:
    # given
    server = start_server()
    oversize = "<13>1 - h app - - - " + "x" * MAX_MESSAGE

    # when
    with server.tcp() as conn:
        port = conn.getsockname()[1]
        conn.sendall(octet_frame(oversize) + octet_frame(JSON5424.format("after")))
        items = server.wait_for(2)

    # then
    assert reason(items[0]) == (
        f"tcp from 127.0.0.1:{port}: message of {len(oversize)} octets "
        "exceeds the 65536-octet limit"
    )
    assert parsed(items[1]).account == "after"


def test_a_message_of_exactly_64_kib_is_accepted(start_server: StartServer) -> None:
    # given: a JSON message padded by an unknown key to 65536 octets
    server = start_server()
    head = '<134>1 2026-03-01T10:00:01Z mail imapd - - - {"event": "login", "pad": "'
    message = head + "p" * (MAX_MESSAGE - len(head) - 2) + '"}'
    assert len(message.encode()) == MAX_MESSAGE

    # when
    with server.tcp() as conn:
        conn.sendall(octet_frame(message))
        items = server.wait_for(1)

    # then
    assert parsed(items[0]).raw == message


def test_tcp_broken_octet_counting_is_reported_and_the_connection_closed(
    start_server: StartServer,
) -> None:
    # given
    server = start_server()

    # when
    with server.tcp() as conn:
        port = conn.getsockname()[1]
        conn.sendall(octet_frame(RFC5424) + b"12x garbage")
        items = server.wait_for(2)
        closed = conn.recv(1)

    # then
    assert parsed(items[0]).account == "alice"
    assert reason(items[1]) == (
        f"tcp from 127.0.0.1:{port}: octet-counting framing lost "
        "(no octet count); connection closed"
    )
    assert closed == b""


def test_tcp_connection_closed_inside_a_frame_is_reported(start_server: StartServer) -> None:
    # given
    server = start_server()

    # when
    with server.tcp() as conn:
        conn.sendall(octet_frame(RFC5424)[:-5])
        port = conn.getsockname()[1]
    items = server.wait_for(1)

    # then
    assert reason(items[0]) == f"tcp from 127.0.0.1:{port}: connection closed inside a frame"


# --- TCP, line feeds (RFC 6587 §3.4.2) -------------------------------------------------------


def test_tcp_line_feed_framing_with_a_last_line_closed_without_its_line_feed(
    start_server: StartServer,
) -> None:
    # given
    server = start_server()

    # when
    with server.tcp() as conn:
        conn.sendall(RFC5424.encode() + b"\r\n" + RFC3164.encode()[:30])
        time.sleep(0.02)
        conn.sendall(RFC3164.encode()[30:] + b"\n\n" + JSON5424.format("last").encode())
    items = server.wait_for(3)

    # then
    assert [parsed(item).raw for item in items] == [RFC5424, RFC3164, JSON5424.format("last")]
    assert [number for number, _ in items] == [1, 2, 3]


def test_tcp_line_feed_framing_refuses_an_oversize_line_and_reads_the_next(
    start_server: StartServer,
) -> None:
    # given
    server = start_server()

    # when: the long line arrives in pieces, the refusal is reported once
    with server.tcp() as conn:
        port = conn.getsockname()[1]
        for _ in range(3):
            conn.sendall(b"<13>1 - h app - - - " + b"y" * MAX_MESSAGE)
            time.sleep(0.02)
        conn.sendall(b"\n" + RFC3164.encode() + b"\n")
        items = server.wait_for(2)

    # then
    assert reason(items[0]) == (
        f"tcp from 127.0.0.1:{port}: message of more octets exceeds the 65536-octet limit"
    )
    assert parsed(items[1]).raw == RFC3164
    assert len(server.items) == 2


# --- batches, sink, stop ---------------------------------------------------------------------


def test_batches_hold_at_most_batch_size_items_in_order(start_server: StartServer) -> None:
    # given
    server = start_server(batch_size=2, flush_seconds=0.2)
    lines = [JSON5424.format(f"user{i}") for i in range(5)]

    # when
    with server.tcp() as conn:
        conn.sendall(b"".join(line.encode() + b"\n" for line in lines))
        items = server.wait_for(5)

    # then
    assert [len(batch) for batch in server.batches] == [2, 2, 1]
    assert [parsed(item).account for item in items] == [f"user{i}" for i in range(5)]


def test_stop_hands_pending_messages_to_the_sink_and_returns(start_server: StartServer) -> None:
    # given: a batch that would wait a minute to fill
    server = start_server(flush_seconds=60)
    server.udp(RFC5424.encode())

    # when
    started = time.monotonic()
    server.halt()

    # then
    assert time.monotonic() - started < 5
    assert [parsed(item).account for item in server.items] == ["alice"]
    assert server.bound.tcp is not None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        assert probe.connect_ex(server.bound.tcp) != 0  # the sockets are closed


def test_a_failing_sink_is_retried_until_it_takes_the_batch(start_server: StartServer) -> None:
    # given
    calls: list[list[Item]] = []

    def flaky(batch: list[Item]) -> None:
        calls.append(list(batch))
        if len(calls) == 1:
            raise ConnectionError("database restarting")

    server = start_server(sink=flaky)

    # when
    server.udp(RFC5424.encode())
    deadline = time.monotonic() + WAIT_SECONDS
    while len(calls) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)

    # then
    assert calls[0] == calls[1]
    assert [parsed(item).account for item in calls[1]] == ["alice"]


def test_stop_ends_the_retries_of_a_sink_that_keeps_failing(start_server: StartServer) -> None:
    # given
    calls: list[int] = []

    def broken(batch: list[Item]) -> None:
        calls.append(len(batch))
        raise ConnectionError("database gone")

    server = start_server(sink=broken)
    server.udp(RFC5424.encode())
    deadline = time.monotonic() + WAIT_SECONDS
    while not calls:
        assert time.monotonic() < deadline
        time.sleep(0.01)

    # when / then
    server.halt()
    assert calls[0] == 1


def test_an_address_in_use_is_an_error_of_serve() -> None:
    # given
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()

        # when / then
        with pytest.raises(OSError, match="in use"):
            serve(
                udp=None,
                tcp=taken.getsockname(),
                sink=lambda batch: None,
                stop=threading.Event(),
            )


def test_serve_needs_something_to_listen_on() -> None:
    with pytest.raises(ValueError, match="nothing to listen on"):
        serve(udp=None, tcp=None, sink=lambda batch: None, stop=threading.Event())


def test_a_line_feed_stream_opening_with_digits_is_not_taken_for_octet_counting(
    start_server: StartServer,
) -> None:
    # given: a message without PRI, which opens with its ISO date
    server = start_server()
    line = "2026-03-01T11:00:00+01:00 web1 app[1]: " + json.dumps({"event": "login"})

    # when
    with server.tcp() as conn:
        conn.sendall(line.encode() + b"\n")
        items = server.wait_for(1)

    # then
    assert (parsed(items[0]).service, parsed(items[0]).raw) == ("app", line)


def _closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed ``sock`` (a read gets end of stream or a reset)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_a_tcp_connection_over_the_cap_is_closed_and_a_freed_slot_is_reused(
    start_server: StartServer,
) -> None:
    # given: two senders hold the two slots
    server = start_server(max_connections=2)
    first, second = server.tcp(), server.tcp()
    first.sendall(octet_frame(RFC5424))
    second.sendall(octet_frame(RFC3164))
    server.wait_for(2)
    # when: a third one connects
    third = server.tcp()
    # then: it is closed at once, and the first two still work
    assert _closed_by_server(third)
    second.sendall(octet_frame(RFC5424))
    server.wait_for(3)
    # when: one sender leaves, a new one takes its slot
    first.close()
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        fourth = server.tcp()
        fourth.sendall(octet_frame(RFC3164))
        fourth.settimeout(0.2)
        try:
            if fourth.recv(1) == b"":  # the server had not seen the first one leave yet
                fourth.close()
                assert time.monotonic() < deadline
                continue
        except TimeoutError:
            break  # still open: accepted
    # then
    items = server.wait_for(4)
    assert [parsed(item).service for item in items] == ["sshd"] * 4
    second.close()
    fourth.close()


def test_an_idle_tcp_connection_is_closed_and_its_unfinished_frame_reported(
    start_server: StartServer,
) -> None:
    # given
    server = start_server(idle_seconds=0.3)
    sock = server.tcp()
    # when: half a frame, then silence
    sock.sendall(octet_frame(RFC5424)[:20])
    # then
    items = server.wait_for(1)
    assert reason(items[0]).endswith(": connection closed inside a frame")
    assert _closed_by_server(sock)
    sock.close()


def test_a_tcp_connection_that_keeps_sending_is_not_idle(start_server: StartServer) -> None:
    # given
    server = start_server(idle_seconds=0.5)
    sock = server.tcp()
    # when: a message every 0.2 s for over a second
    for _ in range(6):
        sock.sendall(octet_frame(RFC3164))
        time.sleep(0.2)
    # then: all arrived on the same connection, which is still open
    assert len(server.wait_for(6)) == 6
    sock.settimeout(0.1)
    with pytest.raises(TimeoutError):
        sock.recv(1)
    sock.close()


@pytest.mark.parametrize(
    "options", [{"max_connections": 0}, {"idle_seconds": 0}], ids=["no-slot", "no-idle-time"]
)
def test_serve_refuses_meaningless_bounds(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        serve(
            udp=None,
            tcp=("127.0.0.1", 0),
            sink=lambda batch: None,
            stop=threading.Event(),
            **options,  # type: ignore[arg-type]
        )
