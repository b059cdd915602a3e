// The manage page's "Copy link" button: shown only when scripts run; the link stays selectable
// in its field either way.
"use strict";
(function () {
  var button = document.querySelector("[data-copy-from]");
  var status = document.querySelector("[data-copy-status]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy-from"));
  if (!field) return;
  button.hidden = false;
  // The page gives the words in its own language.
  var copied = button.getAttribute("data-copied") || "Link copied.";
  var failed = button.getAttribute("data-copy-failed") || "Select the link and copy it.";
  function done(message) {
    if (status) status.textContent = message;
  }
  button.addEventListener("click", function () {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(
        function () { done(copied); },
        function () { field.select(); done(failed); }
      );
    } else {
      field.select();
      done(failed);
    }
  });
})();
