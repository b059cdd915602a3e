// Alerts that reach a closed page: the Web Push service worker. push.js registers it with the
// scope /static/push/, which holds no page, so it controls nothing and caches nothing: it only
// shows the notifications the server sends (already decrypted by the browser) and opens this
// site when one is tapped: an attendee's own live page where push.js kept it on this device,
// else the page the server named. The quick exit and "delete me now" unsubscribe and unregister
// it, and delete what push.js kept.
"use strict";
// Kept by push.js: per event, the live page of the RSVP that turned alerts on here.
var LINKS = "umbrella-live-push";
var PUBLIC_LIVE = /^\/events\/[^/]+\/live$/;
var OWN_LIVE = /^\/r\/[^/]+\/live$/;
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = typeof data.title === "string" && data.title ? data.title : "…";
  var options = {
    body: typeof data.body === "string" ? data.body : "",
    // One notification per event and kind: a newer one replaces an older one.
    tag: String(data.event_id || "") + ":" + String(data.kind || ""),
    renotify: true,
    data: {
      url: typeof data.url === "string" ? data.url : "/",
      event_id: typeof data.event_id === "string" ? data.event_id : "",
      kind: typeof data.kind === "string" ? data.kind : ""
    }
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

// The address a tapped notification opens, or null: only this site's own pages. In place of an
// event's public live page (which an invite-only event refuses, and which never shows what is
// for attendees only), the live page of this device's RSVP to that event, if push.js kept one;
// for the "home safe?" nudge, that RSVP's manage page, where the "I'm home safe" button is.
function whereATapOpens(data) {
  var named = new URL(data && typeof data.url === "string" ? data.url : "/", self.location.origin);
  if (named.origin !== self.location.origin) return Promise.resolve(null);
  var id = data && typeof data.event_id === "string" ? data.event_id : "";
  if (!id || !PUBLIC_LIVE.test(named.pathname) || !self.caches) return Promise.resolve(named.href);
  // caches.match with a cacheName never creates the store.
  return caches.match("/static/push/open/" + encodeURIComponent(id), { cacheName: LINKS })
    .then(function (hit) { return hit ? hit.text() : ""; })
    .then(function (own) {
      if (!OWN_LIVE.test(own)) return named.href;
      var page = data.kind === "safe_by_nudge" ? own.replace(/\/live$/, "") : own;
      return new URL(page, self.location.origin).href;
    })
    .catch(function () { return named.href; });
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(whereATapOpens(event.notification.data).then(function (href) {
    if (href) return self.clients.openWindow(href);
  }));
});
