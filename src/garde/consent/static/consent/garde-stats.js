/*! garde-stats.js - consent-exempt audience measurement (Garde).
 * <script src="https://GARDE/consent/garde-stats.js" data-site="KEY" defer></script>
 * One anonymous hit per page load: the site key and the page's path, nothing else. No cookie,
 * no localStorage, no identifier; the request carries no credentials. A browser that asks not to
 * be tracked (Do Not Track) sends nothing. */
(function () {
  'use strict';
  var me = document.currentScript;
  var site = me && me.getAttribute('data-site');
  var nav = navigator;
  if (!site || nav.doNotTrack === '1' || window.doNotTrack === '1') return;
  var url = new URL(me.src, location.href).origin + '/api/v1/stats/hit';
  var body = JSON.stringify({ site: site, path: location.pathname + location.search });

  function send() {
    try {
      // A string body is sent as text/plain: a simple CORS request, no preflight.
      if (window.fetch) {
        fetch(url, { method: 'POST', body: body, credentials: 'omit', keepalive: true })
          ['catch'](function () {});
      } else if (nav.sendBeacon) {
        nav.sendBeacon(url, body);
      }
    } catch (e) { /* statistics never break the page */ }
  }

  // A page the browser prerenders is counted only if the visitor actually opens it.
  if (document.prerendering) {
    document.addEventListener('prerenderingchange', send, { once: true });
  } else {
    send();
  }
})();
