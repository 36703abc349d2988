/* The episode's player beside the admin's transcript editor, to correct a transcript by ear: a
   line's ▶ plays it here, the line being played is marked, and keyboard shortcuts (listed in the
   dock) play, pause, skip, stamp the player's time on a line, move between lines, split a line
   and merge two. It works through the editor's own fields and row tools (transcript.js): a
   stamped time is typed into the line's second, a split line is a row added with the editor's
   "+ line" (its time guessed from where the text splits), a merged one is the next row marked
   for deletion. Without it the editor is as it was. */
(function () {
  "use strict";

  const TYPING_PAUSES = "editor-player.typing-pauses";
  const SKIP = 5;
  const KEYS = {
    KeyK: "toggle",
    KeyJ: "back",
    KeyL: "forward",
    KeyP: "playLine",
    KeyT: "stamp",
    ArrowDown: "next",
    ArrowUp: "previous",
    Enter: "split",
    KeyM: "merge",
  };
  const ROW_ACTIONS = new Set(["playLine", "stamp", "next", "previous", "split", "merge"]);
  const EDITS = new Set(["stamp", "split", "merge"]);

  function setup() {
    const editor = document.querySelector(".transcript-editor");
    const template = document.getElementById("ep-player");
    if (!editor || !template || !window.EmbedPlayer) return;
    // Someone who may only view the episode hears it along with its lines, and edits nothing.
    const viewOnly = editor.classList.contains("t-readonly");
    const body = editor.querySelector("#t-rows");
    const dock = template.content.cloneNode(true);
    if (viewOnly) dock.querySelectorAll(".ep-edit").forEach((item) => item.remove());
    // The dock goes in beside the rows; the rows stay where they are, and so does the focus the
    // page opened with (a save reopens the page at the line being edited).
    editor.querySelector(".t-grid").before(dock);
    editor.classList.add("ep-has-player");
    // On a narrow screen the dock sits above the rows: the list of shortcuts starts folded.
    if (window.matchMedia("(max-width: 1100px)").matches) editor.querySelector(".ep-keys").open = false;

    const $ = (id) => document.getElementById(id);
    const playButton = $("ep-play"), clockText = $("ep-clock"), status = $("ep-status"), pauses = $("ep-typing-pauses");
    const player = window.EmbedPlayer($("ep-player-frame"), {
      state: show,
      time: follow,
      ready: () => say(""),
      silent: () => {
        silent = true;
        say("The player does not answer: a line's ▶ opens YouTube instead.");
      },
    });
    let current = null, pinned = null, silent = false;

    const say = (text) => (status.textContent = text);
    const fire = (field, type) => field.dispatchEvent(new Event(type || "input", { bubbles: true }));
    const lineRows = () => Array.from(body.querySelectorAll(".t-row.t-line:not(.t-deleted)"));
    const secondOf = (row) => {
      const value = row.querySelector(".t-sec").value.trim();
      return /^\d+$/.test(value) ? Number(value) : null;
    };

    // --- the line being played ----------------------------------------------------------------

    function follow(time) {
      clockText.textContent = window.EmbedPlayer.clock(time);
      const rows = lineRows();
      // The first line of the latest second reached (files time a few lines alike now and then).
      let found = -1, latest = -1;
      rows.forEach((row, i) => {
        const s = secondOf(row);
        if (s !== null && s > latest && s <= time + 0.05) (found = i), (latest = s);
      });
      // A line played from is the one played while its second is the latest reached, though the
      // lines before it share that second.
      const pin = pinned ? rows.indexOf(pinned) : -1;
      if (pin >= 0 && secondOf(pinned) === latest) found = pin;
      else pinned = null;
      mark(found >= 0 ? rows[found] : null);
    }

    function mark(row) {
      if (row === current) return;
      if (current) {
        current.classList.remove("t-now");
        current.removeAttribute("aria-current");
      }
      current = row;
      if (!row) return;
      row.classList.add("t-now");
      row.setAttribute("aria-current", "time");
    }

    function show() {
      playButton.textContent = player.playing() ? "Pause" : "Play";
    }

    function playFrom(row) {
      const s = secondOf(row);
      if (s === null) return say("This line has no time to play from.");
      pinned = row;
      player.seek(s);
      player.command("playVideo");
      follow(s);
    }

    // --- the editor's rows --------------------------------------------------------------------

    // Seconds over the hour as the episode's other lines write them: most 1:00:08, a few 60:08.
    function written(s, stamped) {
      const long = (row) => row !== stamped && secondOf(row) >= 3600;
      const minutes = lineRows().some((row) => long(row) && /^\d+:\d\d$/.test(row.querySelector(".t-time").value.trim()));
      return minutes ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}` : window.EmbedPlayer.clock(s);
    }

    function setSecond(row, s) {
      const sec = row.querySelector(".t-sec"), time = row.querySelector(".t-time");
      sec.value = String(s);
      fire(sec); // the editor writes the time from the second, and marks the row changed
      time.value = written(s, row);
      fire(time);
      return time.value;
    }

    function stamp(row) {
      say(`Stamped ${setSecond(row, Math.floor(player.time))}.`);
    }

    // Where the second half of a split line starts: between the line's second and the next timed
    // line's, in proportion to the text before the cursor; null when either time is missing.
    function splitSecond(row, created, before, after) {
      const start = secondOf(row);
      const rows = lineRows();
      const next = rows.slice(rows.indexOf(created) + 1).find((r) => secondOf(r) !== null);
      const end = next ? secondOf(next) : null;
      if (start === null || end === null || end < start) return null;
      return start + Math.floor(((end - start) * before.length) / (before.length + after.length));
    }

    function moveTo(row, by, from) {
      const rows = lineRows().filter((r) => r.offsetParent !== null);
      const target = rows[rows.indexOf(row) + by];
      if (!target) return;
      const field = target.querySelector(from && from.classList.contains("t-time") ? ".t-time" : from && from.classList.contains("t-speaker") ? ".t-speaker" : ".t-text");
      field.focus();
      target.scrollIntoView({ block: "nearest" });
    }

    function split(row, text) {
      if (!text || !text.classList.contains("t-text")) return say("Put the cursor in the line's text where it should split.");
      const at = text.selectionStart;
      const before = text.value.slice(0, at).trimEnd(), after = text.value.slice(at).trimStart();
      if (!before || !after) return say("Put the cursor inside the text, where the line should split.");
      const tools = $("t-tools");
      const add = tools && tools.querySelector("[data-t-act='line']");
      if (!add) return;
      if (!row.contains(tools)) text.dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
      add.click(); // the editor's own "+ line": a new row after this one, its text focused
      const created = row.nextElementSibling;
      if (!created || created === row || !created.querySelector(".t-text")) return;
      text.value = before;
      fire(text);
      const speaker = created.querySelector(".t-speaker");
      speaker.value = row.querySelector(".t-speaker").value;
      fire(speaker);
      const rest = created.querySelector(".t-text");
      rest.value = after;
      fire(rest);
      const s = splitSecond(row, created, before, after);
      const shown = s === null ? null : setSecond(created, s);
      rest.focus();
      rest.setSelectionRange(0, 0);
      say(
        shown === null
          ? "Line split: the new line has no time yet (Alt+T stamps the player's)."
          : `Line split: the new line starts at ${shown}, guessed from where the text splits (Alt+T stamps the player's time).`
      );
    }

    function merge(row, text) {
      let next = row.nextElementSibling;
      while (next && next.classList.contains("t-deleted")) next = next.nextElementSibling;
      if (!next || !next.classList.contains("t-line")) return say("There is no line after this one in its section.");
      const mine = row.querySelector(".t-text"), theirs = next.querySelector(".t-text");
      const end = mine.value.trimEnd().length;
      mine.value = [mine.value.trimEnd(), theirs.value.trim()].filter(Boolean).join(" ");
      fire(mine);
      const remove = next.querySelector("input[name$='-DELETE']");
      remove.checked = true;
      fire(remove, "change"); // the editor strikes the row through; the save deletes it
      mine.focus();
      mine.setSelectionRange(end, end);
      say("Merged with the next line, which is marked for deletion.");
    }

    const actions = {
      toggle: () => (player.playing() ? player.command("pauseVideo") : player.command("playVideo")),
      back: () => player.seek(Math.max(0, player.time - SKIP)),
      forward: () => player.seek(player.time + SKIP),
      playLine: playFrom,
      stamp: stamp,
      next: (row, field) => moveTo(row, 1, field),
      previous: (row, field) => moveTo(row, -1, field),
      split: split,
      merge: merge,
    };

    document.addEventListener("keydown", (e) => {
      const action = e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && KEYS[e.code];
      if (!action) return;
      const field = document.activeElement;
      const row = field && field.closest ? field.closest(".t-row.t-line") : null;
      e.preventDefault();
      if (viewOnly && EDITS.has(action)) return say("This page is view only: the lines cannot be changed here.");
      if (ROW_ACTIONS.has(action) && !(row && body.contains(row))) return say("Put the cursor in a line first.");
      actions[action](row, field);
    });

    body.addEventListener("click", (e) => {
      const link = e.target.closest("a.t-play");
      if (!link || silent || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      playFrom(link.closest(".t-row"));
    });
    body.addEventListener("mouseover", (e) => {
      const link = e.target.closest("a.t-play[href]");
      const s = link && !silent && secondOf(link.closest(".t-row"));
      if (typeof s === "number") link.title = `Play from ${window.EmbedPlayer.clock(s)} here`;
    });
    playButton.addEventListener("click", () => actions.toggle());
    if (pauses) watchTyping(body, pauses, player);
    show();
  }

  // "Typing pauses playback", an option the browser remembers.
  function watchTyping(body, pauses, player) {
    body.addEventListener("input", (e) => {
      // Only the editor's own typing: the fields this script fills send events too.
      if (e.isTrusted && pauses.checked && player.playing()) player.command("pauseVideo");
    });
    try {
      pauses.checked = localStorage.getItem(TYPING_PAUSES) === "1";
    } catch (e) {
      // no storage (a private window's settings): the option lasts as long as the page
    }
    pauses.addEventListener("change", () => {
      try {
        localStorage.setItem(TYPING_PAUSES, pauses.checked ? "1" : "0");
      } catch (e) {
        // as above
      }
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
