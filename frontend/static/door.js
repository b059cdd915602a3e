// The door list's filter as you type. Without scripts the search box is a plain form (GET ?q=);
// with them, the list narrows on each key and the "arrived" buttons keep the search.
"use strict";
(function () {
  var input = document.querySelector("[data-door-filter]");
  if (!input) return;
  var people = Array.prototype.slice.call(document.querySelectorAll("[data-name]"));
  var status = document.querySelector("[data-door-shown]");
  var words = status ? status.getAttribute("data-template") || "" : "";
  var timer = null;
  function filter() {
    var term = input.value.trim().toLowerCase();
    var shown = 0;
    people.forEach(function (person) {
      var match = term === "" || person.getAttribute("data-name").indexOf(term) !== -1;
      person.hidden = !match;
      if (match) shown += 1;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-door-q]"), function (field) {
      field.value = input.value.trim();
    });
    // Said once typing pauses, not on every key.
    if (status) {
      clearTimeout(timer);
      timer = setTimeout(function () { status.textContent = words.replace("%n", String(shown)); }, 500);
    }
  }
  input.addEventListener("input", filter);
})();
