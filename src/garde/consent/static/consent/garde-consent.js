/*! Garde cookie consent banner. Dependency-free (ES2017). Embed with
 * <script src="https://GARDE/consent/garde-consent.js" data-site="KEY" defer></script>
 * Blocked content: <script type="text/plain" data-garde-purpose="statistics" src="...">,
 * <iframe data-src="..." data-garde-purpose="...">. Reopen with any [data-garde-open] element. */
(function () {
  'use strict';
  var me = document.currentScript || document.querySelector('script[data-site][src*="garde-consent"]');
  if (!me || window.GardeConsent) return;
  var site = me.getAttribute('data-site');
  var origin = new URL(me.src, location.href).origin;
  var css = me.getAttribute('data-css') || origin + '/static/consent/garde-consent.css';
  var lang = /^en/i.test(document.documentElement.lang) ? 'en' : 'fr';
  var gpc = navigator.globalPrivacyControl === true;
  var DAY = 86400;
  var cfg, T, stored, root, box, lastFocus, styled = false, active = {};

  // One stylesheet for the banner and the placeholders, kept once loaded.
  function style(done) {
    if (styled) return done();
    var l = document.querySelector('link[data-garde-css]');
    if (!l) {
      l = el('link', { rel: 'stylesheet', href: css, 'data-garde-css': true });
      document.head.appendChild(l);
    } else if (l.sheet) {
      styled = true;
      return done();
    }
    l.addEventListener('load', function () { styled = true; done(); });
    l.addEventListener('error', function () { styled = true; done(); });
  }

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'on') e.addEventListener('click', attrs[k]);
      else if (attrs[k] !== false && attrs[k] != null) e.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function tr(o) { return (o && (o[lang] || o.fr)) || ''; }
  function optional() { return cfg.purposes.filter(function (p) { return !p.required; }); }
  function required(key) {
    return cfg.purposes.some(function (p) { return p.key === key && p.required; });
  }
  function all(value) {
    var c = {};
    optional().forEach(function (p) { c[p.key] = value; });
    return c;
  }

  // Cookie value: v<version>.<visitor>.<epoch seconds>.<purpose>:<0|1>,...
  function readCookie() {
    var m = document.cookie.match(new RegExp('(?:^|; )' + cfg.cookie_name + '=([^;]*)'));
    var parts = m ? m[1].split('.') : [];
    if (parts.length < 3 || !/^v\d+$/.test(parts[0])) return null;
    var c = {};
    (parts[3] || '').split(',').forEach(function (kv) {
      var s = kv.split(':');
      if (s[0]) c[s[0]] = s[1] === '1';
    });
    return { version: +parts[0].slice(1), visitor: parts[1], time: +parts[2], choices: c };
  }
  function randomId() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    return btoa(String.fromCharCode.apply(null, b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function valid(s) {
    return s && s.version === cfg.version &&
      s.time + cfg.lifetime_days * DAY > Date.now() / 1000 &&
      optional().every(function (p) { return p.key in s.choices; });
  }

  // A cookie is deleted only with the exact path and domain it was set with: try them all.
  function eraseCookie(c) {
    var paths = ['/'], acc = '';
    location.pathname.split('/').filter(Boolean).forEach(function (seg) {
      acc += '/' + seg;
      paths.push(acc, acc + '/');
    });
    if (c.path) paths.push(c.path);
    var labels = location.hostname.split('.'), domains = [null];
    for (var i = 0; i < labels.length - 1 || (i === 0 && labels.length === 1); i++) {
      var d = labels.slice(i).join('.');
      domains.push(d, '.' + d);
    }
    if (c.domain) domains.push(c.domain, '.' + c.domain.replace(/^\./, ''));
    paths.forEach(function (p) {
      domains.forEach(function (d) {
        document.cookie = c.name + '=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=' + p +
          (d ? '; Domain=' + d : '');
      });
    });
  }

  function activate(choices) {
    active = choices;
    function ok(node) {
      var p = node.getAttribute('data-garde-purpose');
      return required(p) || choices[p] === true;
    }
    document.querySelectorAll('script[type="text/plain"][data-garde-purpose]').forEach(function (old) {
      if (!ok(old)) return;
      var s = document.createElement('script');
      Array.prototype.forEach.call(old.attributes, function (a) {
        if (a.name !== 'type' && a.name !== 'data-garde-purpose') s.setAttribute(a.name, a.value);
      });
      s.async = false;
      if (!old.src) s.textContent = old.textContent;
      old.parentNode.replaceChild(s, old);
    });
    document.querySelectorAll('iframe[data-src][data-garde-purpose]').forEach(function (f) {
      var ph = f.previousElementSibling;
      ph = ph && ph.hasAttribute('data-garde-placeholder') ? ph : null;
      if (ok(f)) {
        if (ph) ph.remove();
        f.hidden = false;
        if (f.getAttribute('src') !== f.getAttribute('data-src')) f.src = f.getAttribute('data-src');
      } else if (!ph) {
        var p = f.getAttribute('data-garde-purpose');
        var purpose = cfg.purposes.filter(function (x) { return x.key === p; })[0];
        f.hidden = true;
        style(function () {});
        f.parentNode.insertBefore(el('div', { 'data-garde-placeholder': true, class: 'gc-ph' }, [
          el('p', { text: T.placeholder + ' (' + tr(purpose && purpose.name) + ')' }),
          el('button', { type: 'button', class: 'gc-btn', text: T.accept_one, on: function () {
            var c = Object.assign({}, stored ? stored.choices : all(false));
            c[p] = true;
            save(c, 'preferences');
          } })
        ]), f);
      }
    });
  }

  function post(choices, method) {
    return fetch(cfg.api, {
      method: 'POST', keepalive: true, mode: 'cors', credentials: 'omit',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ site: site, version: cfg.version, visitor: stored.visitor,
        choices: choices, method: method, language: lang })
    }).catch(function () {});
  }

  function save(choices, method) {
    // Compared with any earlier choice, even under an older version: its cookies may remain.
    var before = stored ? stored.choices : {};
    if (gpc) { choices = all(false); method = 'gpc'; }
    var withdrawn = optional().filter(function (p) { return before[p.key] && !choices[p.key]; });
    if (withdrawn.length && method !== 'gpc') method = 'withdraw';
    var now = Math.floor(Date.now() / 1000);
    stored = { version: cfg.version, visitor: (stored && stored.visitor) || randomId(), time: now, choices: choices };
    var value = 'v' + cfg.version + '.' + stored.visitor + '.' + now + '.' +
      Object.keys(choices).map(function (k) { return k + ':' + (choices[k] ? 1 : 0); }).join(',');
    document.cookie = cfg.cookie_name + '=' + value + '; Max-Age=' + cfg.lifetime_days * DAY +
      '; Path=/; SameSite=Lax' + (cfg.cookie_domain ? '; Domain=' + cfg.cookie_domain : '') +
      (location.protocol === 'https:' ? '; Secure' : '');
    close();
    var sent = post(choices, method);
    withdrawn.forEach(function (p) {
      p.services.forEach(function (s) { s.cookies.forEach(eraseCookie); });
    });
    if (withdrawn.some(function (p) { return active[p.key]; })) {
      // What already ran cannot be unloaded: start the page afresh.
      sent.then(function () { location.reload(); });
    } else {
      activate(choices);
    }
  }

  function close() {
    if (root) root.remove();
    root = null;
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }

  function trap(e) {
    if (e.key === 'Escape' && box.getAttribute('data-layer') === '2') {
      e.preventDefault();
      return stored && valid(stored) ? close() : show(1);
    }
    if (e.key !== 'Tab') return;
    var f = box.querySelectorAll('a[href],button:not([disabled]),input:not([disabled]),[tabindex="0"]');
    var first = f[0], last = f[f.length - 1];
    if (e.shiftKey && (document.activeElement === first || document.activeElement === box)) {
      e.preventDefault(); last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault(); first.focus();
    }
  }

  function buttons() {
    return el('div', { class: 'gc-row' }, [
      el('button', { type: 'button', class: 'gc-btn', 'data-garde-accept': true, text: T.accept_all,
        on: function () { save(all(true), 'accept_all'); } }),
      el('button', { type: 'button', class: 'gc-btn', 'data-garde-refuse': true, text: T.refuse_all,
        on: function () { save(all(false), 'refuse_all'); } })
    ]);
  }

  function show(layer) {
    if (!root) {
      lastFocus = document.activeElement;
      root = el('div', { id: 'garde-consent', class: 'gc', lang: lang, hidden: !styled });
      document.body.appendChild(root);
    } else {
      root.removeChild(box);
    }
    box = el('div', { class: 'gc-box', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'gc-title',
      tabindex: '-1', 'data-layer': String(layer) });
    box.addEventListener('keydown', trap);
    box.appendChild(el('h2', { id: 'gc-title', text: T.title }));
    if (layer === 1) {
      box.setAttribute('aria-describedby', 'gc-body');
      box.appendChild(el('p', { id: 'gc-body', text: T.body + ' ' }, [
        el('a', { href: cfg.policy_url, text: tr({ fr: 'Politique de confidentialité', en: 'Privacy policy' }) })
      ]));
      box.appendChild(buttons());
      box.appendChild(el('button', { type: 'button', class: 'gc-more', text: T.customise,
        on: function () { show(2); } }));
    } else {
      if (gpc) box.appendChild(el('p', { class: 'gc-gpc', role: 'note', text: T.gpc_notice }));
      var current = stored && stored.version === cfg.version ? stored.choices : {};
      cfg.purposes.forEach(function (p) {
        var id = 'gc-p-' + p.key;
        var cookies = [];
        p.services.forEach(function (s) {
          cookies.push(el('li', { text: s.name + (s.cookies.length ? ' : ' + s.cookies.map(function (c) { return c.name; }).join(', ') : '') }));
        });
        box.appendChild(el('section', { class: 'gc-purpose', 'aria-labelledby': id + '-l' }, [
          el('div', { class: 'gc-toggle' }, [
            el('input', { type: 'checkbox', role: 'switch', id: id, 'data-purpose': p.key,
              checked: p.required || (!gpc && current[p.key] === true), disabled: p.required || gpc,
              'aria-describedby': id + '-d' }),
            el('label', { for: id, id: id + '-l', text: tr(p.name) + (p.required ? ' (' + T.required + ')' : '') })
          ]),
          el('p', { id: id + '-d', text: tr(p.description) }),
          cookies.length ? el('ul', { class: 'gc-cookies' }, cookies) : null
        ]));
      });
      box.appendChild(buttons());
      box.appendChild(el('div', { class: 'gc-row' }, [
        el('button', { type: 'button', class: 'gc-more', 'data-garde-save': true, text: T.save, on: function () {
          var c = {};
          box.querySelectorAll('input[data-purpose]').forEach(function (i) {
            if (!required(i.getAttribute('data-purpose'))) c[i.getAttribute('data-purpose')] = i.checked;
          });
          save(c, 'preferences');
        } }),
        stored ? el('button', { type: 'button', class: 'gc-more', text: T.history, on: history }) : null,
        el('button', { type: 'button', class: 'gc-more', text: T.close,
          on: function () { return stored && valid(stored) ? close() : show(1); } })
      ]));
      box.appendChild(el('div', { id: 'gc-history', 'aria-live': 'polite' }));
    }
    root.appendChild(box);
    style(function () { if (root) { root.hidden = false; box.focus(); } });
  }

  function history() {
    fetch(origin + '/api/v1/consent/history/' + encodeURIComponent(site) + '/' + stored.visitor,
      { credentials: 'omit' })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var out = box.querySelector('#gc-history');
        out.textContent = '';
        var list = el('ul', {}, data.records.map(function (r) {
          return el('li', { text: new Date(r.recorded_at).toLocaleString(lang) + ' · ' + r.method + ' · ' +
            Object.keys(r.choices).map(function (k) { return k + (r.choices[k] ? ' ✓' : ' ✗'); }).join(', ') });
        }));
        var blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
        out.appendChild(list);
        out.appendChild(el('a', { href: URL.createObjectURL(blob), download: 'consent-' + site + '.json',
          text: T.download }));
      });
  }

  function open() { if (cfg) show(2); }

  document.addEventListener('click', function (e) {
    if (e.target.closest && e.target.closest('[data-garde-open]')) { e.preventDefault(); open(); }
  });
  // The dialog is modal: focus that wanders out of it (a click on the page) is brought back.
  document.addEventListener('focusin', function (e) {
    if (root && !root.hidden && !root.contains(e.target)) box.focus();
  });

  function start() {
    // no-cache: revalidate (ETag) so that a newly published version shows at once.
    fetch(origin + '/api/v1/consent/config/' + encodeURIComponent(site), { credentials: 'omit', cache: 'no-cache' })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (c) {
        cfg = c;
        T = c.texts[lang] || c.texts.fr;
        stored = readCookie();
        var ok = valid(stored);
        if (gpc && (!ok || optional().some(function (p) { return stored.choices[p.key]; }))) {
          save(all(false), 'gpc');
        } else if (ok) {
          activate(stored.choices);
        } else {
          activate({});
          show(1);
        }
      });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();

  window.GardeConsent = {
    open: open,
    choices: function () { return stored ? Object.assign({}, stored.choices) : null; }
  };
})();
