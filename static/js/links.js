// Personal links: the CSV that downloads by itself, Copy link, submit once, toggles.
(function () {
  "use strict";

  var downloaded = {};

  function autoDownload(root) {
    (root || document).querySelectorAll("[data-auto-download]").forEach(function (link) {
      var id = link.getAttribute("data-auto-download");
      if (downloaded[id]) return;
      downloaded[id] = true;
      link.click();
      // A reload of this page should not download the file again.
      if (window.location.search.indexOf("generated=") !== -1) {
        window.history.replaceState(null, "", window.location.pathname);
      }
    });
  }

  function copyLink(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentNode.parentNode.querySelector(".copy-status");
    function say(text) { if (status) status.textContent = text; }
    function fallback() {
      // No clipboard API (plain http, old browser): select the link for Ctrl+C.
      field.focus();
      field.select();
      say("Press Ctrl+C (⌘C) to copy the selected link.");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () {
        say("Link copied.");
      }, fallback);
    } else {
      fallback();
    }
  }

  function toggles(form) {
    var scope = form.querySelectorAll("[name=scope]");
    var sample = document.getElementById("sample-size");
    function syncScope() {
      var checked = form.querySelector("[name=scope]:checked");
      if (sample) sample.hidden = !(checked && checked.value === "sample");
    }
    scope.forEach(function (radio) { radio.addEventListener("change", syncScope); });
    syncScope();
    var submitted = false;
    form.addEventListener("submit", function (event) {
      if (submitted) { event.preventDefault(); return; }
      submitted = true;
      var button = form.querySelector("[data-submit-once]");
      window.setTimeout(function () { if (button) button.disabled = true; }, 0);
    });
  }

  // "Select when the link expires": the date field only for Custom date...
  function expiryToggles(form) {
    form.querySelectorAll("select[name$=expiry]").forEach(function (select) {
      var date = form.querySelector("input[name$=expires_on]");
      if (!date) return;
      var holder = date.closest("[id^=div_id_]") || date;
      function sync() { holder.hidden = select.value !== "custom"; }
      select.addEventListener("change", sync);
      sync();
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) { event.preventDefault(); copyLink(button); }
  });
  document.addEventListener("htmx:afterSettle", function () { autoDownload(document); });
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("generate-links-form");
    if (form) toggles(form);
    document.querySelectorAll("form").forEach(expiryToggles);
    var errors = document.getElementById("form-errors");
    if (errors) errors.focus();
    autoDownload(document);
  });
})();
