// Live updates: follows the event over a websocket, adds updates as they arrive, shows when the
// connection drops and resumes, and keeps the latest plan on the device (the updates shown and
// the last known location, in localStorage per event) so that a follower who loses signal in
// the street still sees them. On the follower's pages (not the organizer console) it also
// registers a small service worker, scoped to this page alone, so the page itself opens again
// without a network. The quick exit (quick-exit.js) wipes both. On the console it also keeps the
// list of who asked for help and, after the "home safe by" time, who is not yet home safe (a
// `safety` frame, which only organizers and jail support ever get).
"use strict";
(function () {
  var list = document.getElementById("updates");
  if (!list) return;

  // ---- Words shown to people (translate here, or override with data-text-* on #updates) ----
  var TEXT = {
    announcement: list.dataset.textAnnouncement || "Announcement",
    location: list.dataset.textLocation || "Location change",
    alert: list.dataset.textAlert || "Safety alert",
    status: list.dataset.textStatus || "Status",
    help: list.dataset.textHelp || "Help request",
    notYetSafe: list.dataset.textNotYetSafe || "Not yet home safe",
    forAudience: list.dataset.textFor || "for {audience}",
    newLocation: list.dataset.textNewLocation || "New location: {place}",
    lastLocation: list.dataset.textLastLocation || "Last known location: {place}",
    back: list.dataset.textBack || "Connection back. You are up to date.",
    lost: list.dataset.textLost || "Connection lost. Trying again… The updates below may not be the latest.",
    offline: list.dataset.textOffline || "Offline — showing what was saved at {time}. Trying again…"
  };
  // ---- end of words ----

  function fill(template, name, value) { return template.replace("{" + name + "}", value); }
  // The page names audiences in its language: data-audience-medic="Primeros auxilios".
  function audienceName(audience) { return list.getAttribute("data-audience-" + audience) || audience; }

  var eventId = list.dataset.event;
  var token = list.dataset.token || null;
  var isConsole = !!list.dataset.console;
  var after = parseInt(list.dataset.after || "0", 10);
  var banner = document.getElementById("connection");
  // Per event and per kind of follower, so the public page never shows an attendee's updates.
  var storeKey = "umbrella-live-" + eventId + (token ? "-attendee" : "-public");
  var KEEP = 50;
  var delay = 1000;
  var everConnected = false;
  var resyncing = false;

  function clock(date) {
    try { return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: list.dataset.timezone }); }
    catch (e) { return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }
  }

  // state: "" (hidden), "ok", "lost", "offline". The state is also in data-state for tests.
  function show(text, state) {
    if (!banner) return;
    banner.hidden = !text;
    banner.textContent = text || "";
    banner.dataset.state = state || "";
    banner.className = "notice connection" + (state ? " connection-" + state : "");
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
    strong.textContent = TEXT[update.kind] || update.kind;
    meta.appendChild(strong);
    meta.appendChild(document.createTextNode((update.pseudonym ? " · " + update.pseudonym : "") +
      " · " + clock(new Date(update.created_at)) +
      (update.audience !== "public" ? " · " + fill(TEXT.forAudience, "audience", audienceName(update.audience)) : "")));
    var text = document.createElement("p");
    text.className = "update-text prewrap";
    text.textContent = update.text;
    // On the text, not the list item: a list may only hold items; inserted, it is announced.
    if (update.kind === "alert" || update.kind === "help") text.setAttribute("role", "alert");
    item.appendChild(meta);
    item.appendChild(text);
    if (update.location) {
      var place = document.createElement("p");
      place.className = "update-location";
      place.textContent = fill(TEXT.newLocation, "place", update.location);
      item.appendChild(place);
    }
    // Newest first, wherever a late one belongs.
    var before = list.firstElementChild;
    while (before && parseInt(before.dataset.seq || "0", 10) > update.seq) before = before.nextElementSibling;
    list.insertBefore(item, before);
  }

  // ---- The plan kept on the device: {saved_at, updates: [...], location} ----
  function load() {
    if (isConsole) return null;
    try {
      var saved = JSON.parse(localStorage.getItem(storeKey) || "null");
      return saved && Array.isArray(saved.updates) ? saved : null;
    } catch (e) { return null; }
  }

  var plan = load() || { saved_at: null, updates: [], location: null };

  function save() {
    if (isConsole) return;
    plan.saved_at = new Date().toISOString();
    try { localStorage.setItem(storeKey, JSON.stringify(plan)); }
    catch (e) { /* storage full or disabled: the page still works */ }
  }

  function remember(update) {
    if (plan.updates.some(function (u) { return u.seq === update.seq; })) return;
    plan.updates.push(update);
    plan.updates.sort(function (a, b) { return a.seq - b.seq; });
    plan.updates = plan.updates.slice(-KEEP);
    if (update.location) plan.location = update.location;
    save();
  }

  function savedUpTo() {
    return plan.updates.reduce(function (max, u) { return Math.max(max, u.seq); }, 0);
  }

  function showLastLocation() {
    if (!plan.location) return;
    var line = document.getElementById("saved-location");
    if (!line) {
      line = document.createElement("p");
      line.id = "saved-location";
      line.className = "notice saved-location";
      list.parentNode.insertBefore(line, list);
    }
    line.textContent = fill(TEXT.lastLocation, "place", plan.location);
  }

  function offline() {
    if (plan.saved_at) {
      show(fill(TEXT.offline, "time", clock(new Date(plan.saved_at))), "offline");
      showLastLocation();
    } else {
      show(TEXT.lost, "lost");
    }
  }

  // What was saved on an earlier visit, in case the network is gone now.
  plan.updates.forEach(render);
  if (navigator.onLine === false) offline();

  // The page itself, for a reload without network: a service worker for this page only.
  if (!isConsole && "serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/static/live-sw.js", { scope: location.pathname })
      .catch(function () { /* not offered here: the saved plan above still works */ });
  }

  if (!("WebSocket" in window)) return;

  // The console's list of who asked for help, newest first.
  function helpAsked(update) {
    var asked = document.getElementById("help-list");
    if (!asked || asked.querySelector('[data-seq="' + update.seq + '"]')) return;
    var none = document.getElementById("help-none");
    if (none) none.hidden = true;
    var line = document.createElement("li");
    line.dataset.seq = update.seq;
    var who = document.createElement("strong");
    who.textContent = update.pseudonym || "";
    line.appendChild(who);
    line.appendChild(document.createTextNode(" · " + clock(new Date(update.created_at)) +
      (update.text ? ": " + update.text : "")));
    asked.insertBefore(line, asked.firstElementChild);
  }

  // After the "home safe by" time: who has not checked out (organizers and jail support only).
  function missing(message) {
    var names = document.getElementById("missing-list");
    if (!names) {
      var section = document.createElement("section");
      section.className = "notice safety";
      section.id = "safety";
      var heading = document.createElement("h2");
      heading.textContent = TEXT.notYetSafe;
      names = document.createElement("ul");
      names.id = "missing-list";
      section.appendChild(heading);
      section.appendChild(names);
      list.parentNode.insertBefore(section, list);
    }
    names.textContent = "";
    (message.pseudonyms || []).forEach(function (name) {
      var item = document.createElement("li");
      item.textContent = name;
      names.appendChild(item);
    });
    var none = document.getElementById("missing-none");
    if (none) none.hidden = (message.pseudonyms || []).length > 0;
  }

  function counts(message) {
    ["followers", "checked_in", "safe", "not_yet_safe"].forEach(function (name) {
      var cell = document.querySelector('[data-count="' + name + '"]');
      if (cell) cell.textContent = message[name];
    });
  }

  // Replay from what is saved (not only from what the server rendered), so the device keeps
  // every update this page shows; updates already on the page are not shown twice.
  if (!isConsole) after = Math.min(after, savedUpTo());

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + location.host + "/api/v1/events/" + eventId + "/live?after=" + after);
    } catch (e) { offline(); return; }
    socket.onopen = function () {
      socket.send(JSON.stringify(token ? { type: "hello", token: token } : { type: "hello" }));
    };
    socket.onmessage = function (frame) {
      var message;
      try { message = JSON.parse(frame.data); } catch (e) { return; }
      if (message.type === "welcome") {
        if (everConnected) show(TEXT.back, "ok");
        else show("");
        var line = document.getElementById("saved-location");
        if (line) line.remove();
        everConnected = true;
        delay = 1000;
        save();
      } else if (message.type === "update") {
        render(message);
        if (message.kind === "help") helpAsked(message);
        remember(message);
        after = Math.max(after, message.seq);
      } else if (message.type === "counts") {
        counts(message);
      } else if (message.type === "safety") {
        missing(message);
      } else if (message.type === "resync") {
        // Fell behind: reconnect at once from the last update shown; nothing is lost.
        resyncing = true;
        socket.close();
      }
    };
    socket.onclose = function () {
      if (resyncing) { resyncing = false; connect(); return; }
      offline();
      // Each page waits a random part of the delay too: when a server stops and sends all its
      // followers away at once, they come back spread out rather than in one burst.
      setTimeout(connect, delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
