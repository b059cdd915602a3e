// "Alert me on this phone": subscribes this browser to Web Push for the RSVP whose manage page
// this is (/r/{token}) or for the signed-in organizer, and turns it off again in one tap. The
// push service worker (push-sw.js) shows what arrives. For an RSVP it also keeps, on this device
// only, which live page a tapped alert about this event opens: the RSVP's own (/r/{token}/live),
// since the server keeps the token only hashed and so can only name the public one, which an
// invite-only event refuses. Without JavaScript, or in a browser without Web Push (Tor Browser),
// the section only explains; nothing else on the page depends on it.
"use strict";
(function () {
  var section = document.querySelector("[data-push]");
  if (!section) return;
  var SCOPE = "/static/push/";
  var status = section.querySelector("[data-push-status]");
  var on = section.querySelector("[data-push-on]");
  var off = section.querySelector("[data-push-off]");
  var full = section.querySelector("[data-push-full]");
  var path = section.getAttribute("data-push") === "organizer"
    ? "/api/v1/organizer/push"
    : window.location.pathname.replace(/^\/r\/([^/]+).*$/, "/api/v1/rsvps/$1/push");
  var remembered = "umbrella-push-" + path;
  // Where push-sw.js looks a tapped alert's event up. The "umbrella-live-" name puts it among
  // what the quick exit and "delete me now" wipe.
  var LINKS = "umbrella-live-push";
  var eventId = section.getAttribute("data-push-event");
  var link = eventId ? "/static/push/open/" + encodeURIComponent(eventId) : null;

  function say(key) { status.textContent = section.getAttribute("data-push-" + key) || ""; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }
  Array.prototype.forEach.call(section.querySelectorAll("[data-push-controls]"), function (el) { el.hidden = false; });

  function show(subscribed) { on.hidden = subscribed; off.hidden = !subscribed; }
  function remember(value) {
    try { if (value) localStorage.setItem(remembered, "on"); else localStorage.removeItem(remembered); } catch (e) { /* no storage */ }
  }
  function isRemembered() {
    try { return localStorage.getItem(remembered) === "on"; } catch (e) { return false; }
  }
  // Keep (or forget) this RSVP's live page for its event's alerts; a failure only means a tap
  // opens the public live page, as it would without this.
  function keepLink(keep) {
    if (!link || !window.caches) return Promise.resolve();
    var live = window.location.pathname.replace(/^\/r\/([^/]+).*$/, "/r/$1/live");
    return caches.open(LINKS).then(function (cache) {
      if (keep) return cache.put(link, new Response(live));
      // Only this event's; an empty store goes altogether.
      return cache.delete(link).then(function () { return cache.keys(); }).then(function (left) {
        if (!left.length) return caches.delete(LINKS);
      });
    }).catch(function () {});
  }
  function key(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  // The worker's registration once it is active (its scope holds no page, so
  // navigator.serviceWorker.ready would never settle).
  function registration() {
    return navigator.serviceWorker.register("/static/push-sw.js", { scope: SCOPE }).then(function (reg) {
      if (reg.active) return reg;
      var worker = reg.installing || reg.waiting;
      return new Promise(function (resolve) {
        worker.addEventListener("statechange", function () { if (worker.state === "activated") resolve(reg); });
      });
    });
  }
  function send(method, body) {
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    });
  }

  on.addEventListener("click", function () {
    status.textContent = "";
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return null; }
      return Promise.all([registration(), fetch("/api/v1/push").then(function (r) { return r.json(); })])
        .then(function (both) {
          return both[0].pushManager.getSubscription().then(function (existing) {
            return existing || both[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(both[1].public_key) });
          });
        })
        .then(function (subscription) {
          var body = subscription.toJSON();
          body.detail = full.checked ? "full" : "neutral";
          return send("PUT", body);
        })
        .then(function (response) {
          if (response.status !== 204) return response;
          return keepLink(true).then(function () { return response; });
        })
        .then(function (response) {
          if (response.status === 204) { remember(true); show(true); say("on-done"); }
          else if (response.status === 422) say("refused");
          else say("failed");
        });
    }).catch(function () { say("failed"); });
  });

  off.addEventListener("click", function () {
    status.textContent = "";
    navigator.serviceWorker.getRegistration(SCOPE).then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      // Without a subscription here, every phone of this RSVP or organizer is forgotten.
      return fetch(path, subscription
        ? { method: "DELETE", credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ endpoint: subscription.endpoint }) }
        : { method: "DELETE", credentials: "same-origin" });
    }).then(function (response) {
      if (response.status !== 204) return response;
      return keepLink(false).then(function () { return response; });
    }).then(function (response) {
      if (response.status === 204) { remember(false); show(false); say("off-done"); }
      else say("failed");
    }).catch(function () { say("failed"); });
  });

  navigator.serviceWorker.getRegistration(SCOPE).then(function (reg) {
    return reg ? reg.pushManager.getSubscription() : null;
  }).then(function (subscription) {
    show(Boolean(subscription) && isRemembered());
  }).catch(function () { show(false); });
})();
