/* Progressive enhancement of the admin's transcript editor: the form works without it (order
   numbers, delete boxes, the server keeps time and second consistent); with it, time and second
   follow each other as you type, and rows can be moved, inserted and deleted in place. */
(function () {
  "use strict";

  function parseTime(text) {
    var m = /^\s*(?:(\d+):)?(\d+):(\d{1,2})\s*$/.exec(text || "");
    if (!m || Number(m[3]) >= 60) return null;
    return Number(m[1] || 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  }

  function formatSeconds(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function youtubeUrl(id, seconds) {
    return "https://www.youtube.com/watch?v=" + encodeURIComponent(id) + "&t=" + seconds;
  }

  function setupEditor(editor) {
    var prefix = editor.dataset.prefix;
    var youtube = editor.dataset.youtube;
    var body = editor.querySelector("#t-rows");
    var total = editor.querySelector("#id_" + prefix + "-TOTAL_FORMS");
    var tools = editor.querySelector("#t-tools");
    var dirty = false;
    editor.classList.add("t-js");

    function rows() { return Array.prototype.slice.call(body.querySelectorAll(".t-row")); }

    function orderOf(row) {
      var input = row && row.querySelector(".t-order");
      var value = input ? parseFloat(input.value) : NaN;
      return isNaN(value) ? null : value;
    }

    function setOrder(row, value) {
      row.querySelector(".t-order").value = String(value);
    }

    function updatePlay(row) {
      var play = row.querySelector(".t-play");
      var sec = row.querySelector(".t-sec");
      if (!play || !sec) return;
      if (youtube && sec.value !== "" && Number(sec.value) >= 0) {
        play.href = youtubeUrl(youtube, Number(sec.value));
        play.title = "Hear it on YouTube at " + formatSeconds(Number(sec.value));
      } else {
        play.removeAttribute("href");
      }
    }

    body.addEventListener("input", function (event) {
      var target = event.target;
      var row = target.closest(".t-row");
      dirty = true;
      if (row) row.dataset.dirty = "1";
      if (target.classList.contains("t-time")) {
        var sec = row.querySelector(".t-sec");
        var parsed = parseTime(target.value);
        if (parsed !== null) sec.value = parsed;
        else if (target.value.trim() === "") sec.value = "";
        target.setCustomValidity(parsed === null && target.value.trim() !== "" ? "Write the time as m:ss or h:mm:ss" : "");
        updatePlay(row);
      } else if (target.classList.contains("t-sec")) {
        var time = row.querySelector(".t-time");
        time.value = target.value === "" ? "" : formatSeconds(Number(target.value));
        updatePlay(row);
      }
    });

    body.addEventListener("change", function (event) {
      var changed = event.target.closest(".t-row");
      if (changed) changed.dataset.dirty = "1";
      if (event.target.name && /-DELETE$/.test(event.target.name)) {
        event.target.closest(".t-row").classList.toggle("t-deleted", event.target.checked);
        dirty = true;
      }
    });

    function newRow(kind) {
      var template = editor.querySelector(kind === "header" ? "#t-empty-header" : "#t-empty-line");
      var index = Number(total.value);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      total.value = index + 1;
      return holder.firstElementChild;
    }

    function insertAfter(row, kind) {
      var created = newRow(kind);
      // A new row takes an order between its neighbours', so no other row changes.
      var before = row ? orderOf(row) : null;
      var next = row ? row.nextElementSibling : null;
      var after = next ? orderOf(next) : null;
      if (before === null) before = -1;
      setOrder(created, after === null ? before + 1 : (before + after) / 2);
      created.dataset.dirty = "1";
      if (row) {
        row.after(created);
      } else {
        body.appendChild(created);
      }
      var empty = body.querySelector(".t-empty");
      if (empty) empty.remove();
      dirty = true;
      var focus = created.querySelector(kind === "header" ? ".t-title" : ".t-text");
      if (focus) focus.focus();
    }

    function move(row, direction) {
      var sibling = direction < 0 ? row.previousElementSibling : row.nextElementSibling;
      if (!sibling) return;
      // Trading places trades orders: only these two rows change.
      var mine = orderOf(row);
      setOrder(row, orderOf(sibling));
      setOrder(sibling, mine);
      if (direction < 0) sibling.before(row); else sibling.after(row);
      dirty = true;
    }

    if (tools) {
      body.addEventListener("focusin", function (event) {
        var row = event.target.closest(".t-row");
        if (!row || tools.parentElement === row.querySelector(".t-actions")) return;
        row.querySelector(".t-actions").appendChild(tools);
        tools.hidden = false;
      });
      tools.addEventListener("mousedown", function (event) { event.preventDefault(); });
      tools.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        var row = tools.closest(".t-row");
        if (!button || !row) return;
        var action = button.dataset.tAct;
        if (action === "up") move(row, -1);
        else if (action === "down") move(row, 1);
        else insertAfter(row, action);
        var focusable = row.querySelector("textarea, .t-title");
        if ((action === "up" || action === "down") && focusable) focusable.focus();
      });
    }

    editor.querySelectorAll("[data-t-add]").forEach(function (button) {
      button.addEventListener("click", function () {
        var all = rows();
        insertAfter(all.length ? all[all.length - 1] : null, button.dataset.tAdd);
      });
    });

    // The row being edited, so that the page opens at it again after a save.
    var focused = editor.querySelector("#t-focus");
    if (focused) {
      body.addEventListener("focusin", function (event) {
        var row = event.target.closest(".t-row");
        var id = row && row.querySelector("input[name$='-id']");
        if (!id) return;
        var kind = row.classList.contains("t-header") ? "header" : "line";
        // A new row has no id yet: the server then takes the first row the save changed.
        focused.value = id.value ? (kind === "header" ? "h" : "l") + id.value : "";
      });
    }

    var onlyProblems = editor.querySelector("#t-only-problems");
    if (onlyProblems) {
      onlyProblems.addEventListener("change", function () {
        editor.classList.toggle("t-only-problems", onlyProblems.checked);
      });
    }

    var form = editor.closest("form");
    if (form) {
      // Send only the rows the editor touched, and the keys of the others: a one-word
      // correction in a 300-line transcript then posts a few fields, not thousands. The
      // server treats a listed row as unchanged and refuses the save if any row is missing.
      form.addEventListener("formdata", function (event) {
        var data = event.formData;
        var pattern = new RegExp("^" + prefix + "-(\\d+|__prefix__)-");
        var names = [];
        data.forEach(function (value, name) { if (pattern.test(name)) names.push(name); });
        names.forEach(function (name) { data.delete(name); });
        var sent = [], fresh = [], untouched = [];
        rows().forEach(function (row) {
          var id = row.querySelector("input[name$='-id']").value;
          var kind = row.classList.contains("t-header") ? "header" : "line";
          var order = row.querySelector(".t-order");
          var moved = order.value !== order.defaultValue;
          if (!id) {
            if (!row.querySelector("input[name$='-DELETE']").checked) fresh.push(row);
          } else if (row.dataset.dirty === "1" || moved) {
            sent.push(row);
          } else {
            untouched.push((kind === "header" ? "h" : "l") + id);
          }
        });
        sent.concat(fresh).forEach(function (row, index) {
          row.querySelectorAll("[name]").forEach(function (field) {
            if (field.type === "checkbox" && !field.checked) return;
            data.append(field.name.replace(pattern, prefix + "-" + index + "-"), field.value);
          });
        });
        data.set(prefix + "-TOTAL_FORMS", String(sent.length + fresh.length));
        data.set(prefix + "-INITIAL_FORMS", String(sent.length));
        data.set(prefix + "-UNTOUCHED", untouched.join(","));
      });
      form.addEventListener("input", function () { dirty = true; });
      form.addEventListener("submit", function () { dirty = false; });
      window.addEventListener("beforeunload", function (event) {
        if (dirty) { event.preventDefault(); event.returnValue = ""; }
      });
    }
  }

  function setupFindReplace() {
    var all = document.querySelector(".fr-all");
    if (!all) return;
    all.addEventListener("change", function () {
      document.querySelectorAll(".fr-table input[name=match]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var editor = document.querySelector(".transcript-editor:not(.t-readonly)");
    if (editor) setupEditor(editor);
    setupFindReplace();
  });
})();
