// Respondent pages work without this file; it only moves keyboard and screen-reader
// focus to the error summary after a refused submit. Double submits are the
// server's job (the engine locks the response), so nothing here blocks a click.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
