// Live updates: follows the event over a websocket, adds updates as they arrive, shows when the
// connection drops and resumes, and keeps the latest plan on the device for when signal is lost.
"use strict";
(function () {
  var list = document.getElementById("updates");
  if (!list || !("WebSocket" in window)) return;
  var eventId = list.dataset.event;
  var token = list.dataset.token || null;
  var after = parseInt(list.dataset.after || "0", 10);
  var banner = document.getElementById("connection");
  var storeKey = "umbrella-live-" + eventId;
  var delay = 1000;
  var everConnected = false;

  function show(text, kind) {
    if (!banner) return;
    banner.hidden = !text;
    banner.textContent = text || "";
    banner.className = "notice connection" + (kind ? " connection-" + kind : "");
  }

  function render(update) {
    if (list.querySelector('[data-seq="' + update.seq + '"]')) return;
    var empty = document.getElementById("no-updates");
    if (empty) empty.remove();
    var item = document.createElement("li");
    item.className = "update update-" + update.kind;
    item.dataset.seq = update.seq;
    var meta = document.createElement("p");
    meta.className = "update-meta";
    var strong = document.createElement("strong");
    strong.textContent = { announcement: "Announcement", location: "Location change", alert: "Safety alert", status: "Status" }[update.kind] || update.kind;
    meta.appendChild(strong);
    var when = new Date(update.created_at);
    var shown;
    try { shown = when.toLocaleTimeString([], { hour: "numeric", minute: "2-digit", timeZone: list.dataset.timezone }); }
    catch (e) { shown = when.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }); }
    meta.appendChild(document.createTextNode(" · " + shown +
      (update.audience !== "public" ? " · for " + update.audience : "")));
    var text = document.createElement("p");
    text.className = "update-text prewrap";
    text.textContent = update.text;
    // On the text, not the list item: a list may only hold items; inserted, it is announced.
    if (update.kind === "alert") text.setAttribute("role", "alert");
    item.appendChild(meta);
    item.appendChild(text);
    if (update.location) {
      var place = document.createElement("p");
      place.className = "update-location";
      place.textContent = "New location: " + update.location;
      item.appendChild(place);
    }
    list.insertBefore(item, list.firstChild);
  }

  function remember(update) {
    try {
      var saved = JSON.parse(localStorage.getItem(storeKey) || "[]");
      saved.push(update);
      localStorage.setItem(storeKey, JSON.stringify(saved.slice(-50)));
    } catch (e) { /* storage full or disabled: the page still works */ }
  }

  function counts(message) {
    ["followers", "checked_in", "safe", "not_yet_safe"].forEach(function (name) {
      var cell = document.querySelector('[data-count="' + name + '"]');
      if (cell) cell.textContent = message[name];
    });
  }

  // Updates seen on an earlier visit, in case the network is gone now.
  try {
    JSON.parse(localStorage.getItem(storeKey) || "[]").forEach(function (update) {
      if (update.seq > after) { render(update); after = update.seq; }
    });
  } catch (e) { /* nothing saved */ }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/api/v1/events/" + eventId + "/live?after=" + after);
    socket.onopen = function () {
      socket.send(JSON.stringify(token ? { type: "hello", token: token } : { type: "hello" }));
    };
    socket.onmessage = function (frame) {
      var message;
      try { message = JSON.parse(frame.data); } catch (e) { return; }
      if (message.type === "welcome") {
        if (everConnected) show("Connection back. You are up to date.", "ok");
        else show("");
        everConnected = true;
        delay = 1000;
      } else if (message.type === "update") {
        render(message);
        remember(message);
        after = Math.max(after, message.seq);
      } else if (message.type === "counts") {
        counts(message);
      } else if (message.type === "resync") {
        socket.close();
      }
    };
    socket.onclose = function () {
      show("Connection lost. Trying again… The updates below may not be the latest.", "lost");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
