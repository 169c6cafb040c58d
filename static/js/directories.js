// Directories: drag-and-drop upload, Confirm import fields re-check, Manual input rows.
(function () {
  "use strict";

  // Upload a file: a file dropped on the zone goes into the form's file input.
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("id_file");
  var chosen = document.getElementById("chosen-file");
  function showChosen() {
    if (chosen && input && input.files.length) {
      chosen.textContent = "Selected: " + input.files[0].name;
    }
  }
  if (zone && input) {
    input.addEventListener("change", showChosen);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragover"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showChosen();
      }
    });
  }

  // Confirm import fields: a changed choice re-counts what the import will do.
  var confirmForm = document.getElementById("confirm-form");
  if (confirmForm) {
    confirmForm.querySelectorAll(".auto-check").forEach(function (field) {
      field.addEventListener("change", function () {
        var action = document.createElement("input");
        action.type = "hidden";
        action.name = "action";
        action.value = "check";
        confirmForm.appendChild(action);
        confirmForm.submit();
      });
    });
  }

  // Manual input: rows and columns added in place.
  var table = document.getElementById("manual-table");
  if (!table) {
    return;
  }
  var body = table.tBodies[0];
  var headRow = table.tHead.rows[0];

  function renumber() {
    Array.prototype.forEach.call(body.rows, function (row, index) {
      row.cells[0].textContent = String(index + 1);
      row.querySelectorAll("input").forEach(function (cell) {
        var label = cell.getAttribute("aria-label") || "";
        cell.setAttribute("aria-label", label.replace(/row \d+$/, "row " + (index + 1)));
      });
    });
  }

  document.getElementById("add-row").addEventListener("click", function () {
    var last = body.rows[body.rows.length - 1];
    var row = last.cloneNode(true);
    row.querySelectorAll("input").forEach(function (cell) {
      cell.value = "";
      cell.classList.remove("is-invalid");
      cell.removeAttribute("aria-invalid");
      cell.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".invalid-feedback").forEach(function (node) { node.remove(); });
    body.appendChild(row);
    renumber();
    row.querySelector("input").focus();
  });

  document.getElementById("add-column").addEventListener("click", function () {
    var index = headRow.querySelectorAll("input[name=extra_name]").length;
    var th = document.createElement("th");
    th.scope = "col";
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = "extra-name-" + index;
    label.textContent = "Column name";
    var name = document.createElement("input");
    name.className = "form-control form-control-sm";
    name.name = "extra_name";
    name.id = "extra-name-" + index;
    name.placeholder = "Column name";
    th.appendChild(label);
    th.appendChild(name);
    headRow.appendChild(th);
    Array.prototype.forEach.call(body.rows, function (row, rowIndex) {
      var td = document.createElement("td");
      var cell = document.createElement("input");
      cell.className = "form-control form-control-sm";
      cell.name = "extra_" + index;
      cell.setAttribute("aria-label", "New column, row " + (rowIndex + 1));
      td.appendChild(cell);
      row.appendChild(td);
    });
    name.focus();
  });

  // A corrected cell loses its error mark as soon as it is edited.
  body.addEventListener("input", function (event) {
    var cell = event.target;
    if (cell.classList.contains("is-invalid")) {
      cell.classList.remove("is-invalid");
      cell.removeAttribute("aria-invalid");
    }
  });
})();
