// Distributions pages: Compose Email (Load Message, piped text, When/expiry toggles,
// submit once) and the polled rows of Emails and Personal links.
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function insertAtCursor(field, text) {
    var start = field.selectionStart, end = field.selectionEnd;
    if (typeof start !== "number") {
      field.value += text;
    } else {
      field.value = field.value.slice(0, start) + text + field.value.slice(end);
      field.selectionStart = field.selectionEnd = start + text.length;
    }
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Other languages' versions (a Django formset, prefix "versions"): "Add a
  // language" copies the empty form's <template>; load() replaces them all.
  function languageVersions(form) {
    var root = form.querySelector("#language-versions");
    if (!root) return null;
    var list = root.querySelector("[data-language-version-list]");
    var template = document.getElementById("language-version-template");
    var total = root.querySelector("[name=versions-TOTAL_FORMS]");
    var initial = root.querySelector("[name=versions-INITIAL_FORMS]");
    function add(values) {
      var index = parseInt(total.value, 10) || 0;
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var node = holder.firstElementChild;
      list.appendChild(node);
      total.value = index + 1;
      if (values) {
        ["language", "subject", "body"].forEach(function (name) {
          node.querySelector("[name=versions-" + index + "-" + name + "]").value = values[name] || "";
        });
      }
      return node;
    }
    root.querySelector("[data-add-language-version]").addEventListener("click", function () {
      add(null).querySelector("input").focus();
    });
    return {
      load: function (versions) {
        list.textContent = "";
        total.value = 0;
        initial.value = 0;
        Object.keys(versions).forEach(function (tag) {
          add({ language: tag, subject: versions[tag].subject, body: versions[tag].body });
        });
      }
    };
  }

  function setup(form) {
    var body = form.querySelector("[name=body]");
    var subject = form.querySelector("[name=subject]");
    var lastFocused = body;
    // Piped text goes into the subject or message last focused, a language
    // version's included.
    form.addEventListener("focusin", function (event) {
      if (event.target.matches("[name=subject], [name=body], [name$=-subject], [name$=-body]")) {
        lastFocused = event.target;
      }
    });

    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-insert]");
      if (!button) return;
      event.preventDefault();
      insertAtCursor(lastFocused || body, button.getAttribute("data-insert"));
    });

    var versions = languageVersions(form);
    // Load Message: fills the subject and the message from the library.
    var library = readJson("library-messages") || [];
    var loader = document.getElementById("load-message");
    if (loader) {
      loader.addEventListener("change", function () {
        var entry = library[parseInt(loader.value, 10)];
        if (!entry) return;
        subject.value = entry.subject;
        body.value = entry.body;
        if (versions) versions.load(entry.versions || {});
      });
    }

    // The chosen list's embedded-data fields become insert buttons.
    var listFields = readJson("list-fields") || {};
    var list = form.querySelector("[name=contact_list]");
    var holder = document.getElementById("embedded-field-buttons");
    function showFields() {
      if (!holder) return;
      holder.textContent = "";
      (listFields[list && list.value] || []).forEach(function (name) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-outline-secondary mb-1 ms-1";
        button.setAttribute("data-insert", "${e://Field/" + name + "}");
        button.textContent = name;
        holder.appendChild(button);
      });
    }
    if (list) list.addEventListener("change", showFields);
    showFields();

    // Custom... time and custom expiry date only when chosen.
    function toggle(containerId, show) {
      var node = document.getElementById(containerId);
      if (node) node.hidden = !show;
    }
    function syncWhen() {
      var checked = form.querySelector("[name=when]:checked");
      toggle("custom-when", checked && checked.value === "custom");
    }
    function syncExpiry() {
      var select = form.querySelector("[name=expiry]");
      toggle("custom-expiry", select && select.value === "custom");
    }
    form.querySelectorAll("[name=when]").forEach(function (radio) {
      radio.addEventListener("change", syncWhen);
    });
    var expiry = form.querySelector("[name=expiry]");
    if (expiry) expiry.addEventListener("change", syncExpiry);
    syncWhen();
    syncExpiry();

    // Send once: a double click submits one form (the server also refuses a
    // repeated compose token). The clicked button's value is kept in a hidden field
    // because a disabled button is not submitted.
    var submitted = false;
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || !submitter.hasAttribute("data-submit-once")) return;
      if (submitted) { event.preventDefault(); return; }
      submitted = true;
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.appendChild(hidden);
      window.setTimeout(function () {
        submitter.disabled = true;
        submitter.textContent = "Sending…";
      }, 0);
    });
  }

  // Polled rows (Emails, Personal links): no poll while a row's menu is open (here
  // rather than an hx-trigger condition, which htmx would eval: the
  // Content-Security-Policy forbids eval)...
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    if (source && source.tagName === "TBODY" &&
        source.querySelector(".dropdown-menu.show")) {
      event.preventDefault();
    }
  });

  // ...and a poll that was already on its way when a row's menu opened must not
  // close it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.tagName === "TBODY" &&
        target.querySelector(".dropdown-menu.show")) {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.compose-form").forEach(setup);
    document.querySelectorAll("form.message-form").forEach(languageVersions);
    var errors = document.getElementById("compose-errors");
    if (errors) errors.focus();
  });
})();
