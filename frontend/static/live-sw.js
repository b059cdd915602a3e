// Live pages offline: a service worker that live.js registers with the scope of one live page
// (/events/{id}/live or /r/{token}/live), served with `Service-Worker-Allowed: /` for that.
// Network first: it answers from its cache only when the network fails, and it caches nothing
// but the live pages and the few same-origin files they load. Every other request goes to the
// network untouched. The quick exit and "delete me now" delete the cache and unregister it.
"use strict";
var CACHE = "umbrella-live-v1";
var ASSETS = ["/static/umbrella.css", "/static/umbrella.svg", "/static/live.js", "/static/quick-exit.js"];
var LIVE_PAGE = /^\/(events|r)\/[^/]+\/live$/;

// The page that registered this worker is its scope (live.js registers one worker per live
// page); keep it and its files now, since that first load happened before the worker ran.
self.addEventListener("install", function (event) {
  self.skipWaiting();
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll([self.registration.scope].concat(ASSETS));
  }).catch(function () { /* kept on the next visit instead */ }));
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function cacheable(url) {
  return url.origin === self.location.origin &&
    (LIVE_PAGE.test(url.pathname) || ASSETS.indexOf(url.pathname) !== -1);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (!cacheable(url)) return;
  // One entry per page or file, whatever the query string.
  var key = url.origin + url.pathname;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.put(key, copy); }));
      }
      return response;
    }).catch(function () {
      return caches.match(key).then(function (hit) { return hit || Response.error(); });
    })
  );
});
