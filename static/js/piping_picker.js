// The builder's piped-text picker: insert the chosen ${...} at the cursor of the
// text box last focused. Without this file the placeholders can be typed by hand.
(function () {
  "use strict";
  var last = null;
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el.matches && el.matches("textarea, input[type=text], input:not([type])")) {
      last = el;
    }
  });
  document.querySelectorAll("[data-piping-picker]").forEach(function (picker) {
    var button = picker.querySelector("[data-piping-insert]");
    var select = picker.querySelector("select");
    button.addEventListener("click", function () {
      var target = last || document.querySelector("form textarea");
      if (!target) {
        return;
      }
      var start = target.selectionStart || 0;
      var end = target.selectionEnd || start;
      target.value = target.value.slice(0, start) + select.value + target.value.slice(end);
      target.focus();
      var cursor = start + select.value.length;
      target.setSelectionRange(cursor, cursor);
    });
  });
})();
