// Quick exit: the button, or Escape pressed twice, leaves for a neutral site at once and replaces
// this page in the tab's history, so Back does not return here. It first wipes what the live
// pages kept on this device (the saved plan in localStorage, the service workers and their cache,
// the Web Push subscription, and on a page with alerts the server's copy of it), as does the
// manage page's "delete me now" (a form marked data-forget-device).
"use strict";
(function () {
  // Remove everything Umbrella saved on this device. localStorage goes at once; the service
  // worker and its cache are asynchronous, so the returned promise settles when they are gone
  // (or after a short wait, so leaving is never held up for long).
  function forget() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && (key.indexOf("umbrella-live-") === 0 || key.indexOf("umbrella-push-") === 0)) {
          localStorage.removeItem(key);
        }
      }
    } catch (e) { /* storage disabled: nothing was saved */ }
    // The language preference cookie would show the site was visited.
    document.cookie = "lang=; Max-Age=0; Path=/; SameSite=Lax";
    var work = [];
    try {
      if (window.caches) {
        work.push(caches.keys().then(function (names) {
          return Promise.all(names.filter(function (name) { return name.indexOf("umbrella-live-") === 0; })
            .map(function (name) { return caches.delete(name); }));
        }));
      }
      // On a page with alerts, the server forgets this RSVP's (or organizer's) phones too.
      var alerts = document.querySelector("[data-push]");
      if (alerts && window.fetch) {
        var path = alerts.getAttribute("data-push") === "organizer"
          ? "/api/v1/organizer/push"
          : window.location.pathname.replace(/^\/r\/([^/]+).*$/, "/api/v1/rsvps/$1/push");
        work.push(fetch(path, { method: "DELETE", credentials: "same-origin", keepalive: true }));
      }
      if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
        work.push(navigator.serviceWorker.getRegistrations().then(function (registrations) {
          return Promise.all(registrations.map(function (r) {
            // Unregistering ends the push subscription too; unsubscribing first says so at once.
            var unsubscribed = r.pushManager
              ? r.pushManager.getSubscription().then(function (s) { return s && s.unsubscribe(); })
              : Promise.resolve();
            return unsubscribed.catch(function () {}).then(function () { return r.unregister(); });
          }));
        }));
      }
    } catch (e) { /* not available here: nothing was cached */ }
    var settled = Promise.all(work.map(function (p) { return p.catch(function () {}); }));
    var capped = new Promise(function (resolve) { setTimeout(resolve, 400); });
    return Promise.race([settled, capped]);
  }

  var form = document.querySelector("form[data-forget-device]");
  if (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.forgotten) return;
      event.preventDefault();
      forget().then(function () {
        form.dataset.forgotten = "yes";
        form.submit();
      });
    });
  }

  var link = document.querySelector("[data-quick-exit]");
  if (!link) return;
  var leaving = false;
  function leave(event) {
    if (event) event.preventDefault();
    if (leaving) return;
    leaving = true;
    document.body.style.display = "none";
    forget().then(function () { window.location.replace(link.href); });
  }
  link.addEventListener("click", leave);
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 1000) leave(event);
    lastEscape = now;
  });
})();
