// Alerts that reach a closed page: the Web Push service worker. push.js registers it with the
// scope /static/push/, which holds no page, so it controls nothing and caches nothing: it only
// shows the notifications the server sends (already decrypted by the browser) and opens this
// site when one is tapped. The quick exit and "delete me now" unsubscribe and unregister it.
"use strict";
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
    data: { url: typeof data.url === "string" ? data.url : "/" }
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL(event.notification.data && event.notification.data.url || "/", self.location.origin);
  // Only this site's own pages open.
  if (target.origin !== self.location.origin) return;
  event.waitUntil(self.clients.openWindow(target.href));
});
