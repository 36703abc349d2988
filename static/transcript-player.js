/* The episode page's transcript tools, on top of a page that works without them: play from a
   line, follow along, find in this episode, quote a moment.

   The player is the YouTube embed already on the page, driven through the embed's own
   postMessage interface by static/embed-player.js, which the page loads first. No other
   script is loaded. */
(function () {
  "use strict";

  const body = document.querySelector(".transcript__body");
  const tools = document.getElementById("tools");
  if (!body || !tools || !window.EmbedPlayer) return;
  const $ = (id) => document.getElementById(id);
  const lines = Array.from(body.querySelectorAll(".line"));
  const texts = lines.map((line) => line.querySelector(".line__text"));
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)");

  // --- the timeline -------------------------------------------------------------------------
  // A line's second is in its time link (?t=). An untimed line shares the time up to the next
  // later second with the lines before it, in proportion to its length, as the caption files do;
  // so do lines that repeat the second before them (files often time a few lines alike), and a
  // second that steps back counts as the one before it.

  const seconds = lines.map((line) => {
    const link = line.querySelector("a.time");
    const t = link && new URL(link.href).searchParams.get("t");
    return t === null || t === "" || isNaN(t) ? null : Number(t);
  });
  const timed = seconds.some((t) => t !== null);
  const starts = new Array(lines.length).fill(0);
  (function spread() {
    let group = [], from = 0, running = 0;
    const close = (end) => {
      const sizes = group.map((i) => Math.max(1, texts[i].textContent.length));
      const total = sizes.reduce((a, b) => a + b, 0);
      let at = from;
      group.forEach((i, n) => {
        starts[i] = at;
        at += ((end - from) * sizes[n]) / total;
      });
    };
    seconds.forEach((t, i) => {
      if (t === null || (group.length && t <= running)) return group.push(i);
      running = t;
      if (group.length) close(running);
      group = [i];
      from = running;
    });
    if (group.length) {
      const words = group.reduce((n, i) => n + texts[i].textContent.split(/\s+/).length, 0);
      close(from + Math.max(1, words / 2.5));
    }
  })();

  function lineAt(t) {
    // The last line that starts at or before t; -1 before the first.
    let low = 0, high = lines.length - 1, found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (starts[mid] <= t + 0.05) (found = mid), (low = mid + 1);
      else high = mid - 1;
    }
    return found;
  }

  const secondOf = (i) => (seconds[i] !== null ? seconds[i] : timed ? Math.floor(starts[i]) : null);
  const clock = window.EmbedPlayer.clock;
  const labelOf = (i) => {
    const time = lines[i].querySelector(".time");
    const s = secondOf(i);
    return time ? time.textContent.trim() : s === null ? "" : clock(s);
  };
  const speakerOf = (line) => {
    const who = line.querySelector(".speaker");
    return who ? who.textContent.trim() : "";
  };
  const lineOf = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    const line = el && el.closest(".line");
    return line && body.contains(line) ? line : null;
  };

  // --- keeping a line in view, and the visitor's own scrolling --------------------------------

  // Scrolling until this moment is this script's own (or the page going to a section).
  let following = true, oursUntil = 0;
  const ours = (ms) => (oursUntil = Math.max(oursUntil, performance.now() + (ms || 1200)));
  const mine = () => performance.now() < oursUntil;
  window.addEventListener("scrollend", () => {
    const was = mine();
    oursUntil = Math.min(oursUntil, performance.now() + 60);
    // A scroll of ours that met one still under way (a PageUp a moment before) can end short of
    // the line it went to: once the page is still, finish it.
    if (was && following && current >= 0) reveal(lines[current]);
  });
  // Where the transcript shows below its tools, once they stick to the top.
  const shown = () => parseFloat(getComputedStyle(tools).top) + tools.offsetHeight;
  function reveal(target, always) {
    const box = target.getBoundingClientRect();
    const top = shown();
    if (!always && box.top >= top && box.bottom <= window.innerHeight * 0.8) return;
    ours();
    // Its middle to the middle of the room below the tools; a taller one, its top to the top.
    const room = window.innerHeight - top;
    const by = box.height > room ? box.top - top - 8 : box.top + box.height / 2 - (top + room / 2);
    window.scrollBy({ top: by, behavior: reduced.matches ? "auto" : "smooth" });
  }

  // --- the player ---------------------------------------------------------------------------

  const frame = $("player");
  let current = -1, pinned = -1, cue = null;
  const playButton = $("tools-play"), backButton = $("tools-back"), nowLine = $("now-line");
  const player =
    frame &&
    window.EmbedPlayer(frame, {
      state: changed,
      time: at,
      ready: () => $("tools-note") && $("tools-note").remove(),
      silent: unanswered,
    });
  const command = (func, args, wake) => player.command(func, args, wake);

  function unanswered() {
    if ($("tools-note")) return;
    const note = document.createElement("span");
    const link = document.createElement("a");
    note.id = "tools-note";
    note.className = "tools__note";
    link.href = `https://www.youtube.com/watch?v=${encodeURIComponent(player.video)}&t=${Math.floor(player.time)}`;
    link.textContent = "watch it on YouTube";
    note.append("The player does not answer: ", link, ".");
    playButton.parentNode.append(note);
  }

  const playing = () => player.playing();
  function changed(state, was) {
    if (playing() && !player.playing(was)) speak();
    showButtons();
  }
  function at(time) {
    if (!timed) return;
    // A line played from is the current one from its second on, until the timeline reaches it
    // (the lines before it may share that second) or the time goes elsewhere.
    let i = lineAt(time);
    if (pinned >= 0 && i < pinned && time >= secondOf(pinned) - 0.5) i = pinned;
    else pinned = -1;
    mark(i);
  }

  function mark(i) {
    if (i === current) return;
    if (current >= 0) {
      lines[current].classList.remove("line--now");
      lines[current].removeAttribute("aria-current");
    }
    current = i;
    if (i < 0) return;
    lines[i].classList.add("line--now");
    lines[i].setAttribute("aria-current", "time");
    if (playing()) speak();
    showButtons();
  }

  // The line being spoken, said politely to a screen reader, and kept in view while following.
  function speak() {
    if (current < 0) return;
    const who = speakerOf(lines[current]);
    nowLine.textContent = `Now at ${labelOf(current)}${who ? ", " + who : ""}`;
    if (following) reveal(lines[current]);
  }

  function playFrom(i, s) {
    if (s === undefined) s = secondOf(i);
    cue = null;
    following = true;
    ours(300); // the scroll that brought the time into view, its event still to come, was before
    pinned = i;
    player.seek(s);
    at(s);
    command("playVideo");
    showButtons();
  }

  function showButtons() {
    playButton.textContent = playing() ? "Pause" : cue !== null ? `Play from ${clock(cue.at)}` : "Play";
    backButton.hidden = following || current < 0;
  }

  function stop() {
    if (!following || current < 0) return;
    following = false;
    showButtons();
  }

  if (player) {
    playButton.addEventListener("click", () => {
      if (playing()) return command("pauseVideo");
      if (cue !== null) return playFrom(cue.line, cue.at);
      following = true;
      command("playVideo");
      showButtons();
    });
    backButton.addEventListener("click", () => {
      following = true;
      showButtons();
      if (current < 0) return;
      reveal(lines[current], true);
      // The button goes away; the focus goes to the line it brought back.
      const control = lines[current].querySelector("a.time, .line__link");
      if (control) control.focus({ preventScroll: true });
    });
    // The visitor's own scrolling or selecting stops the follow; what this script scrolls does not.
    const keys = /^(ArrowUp|ArrowDown|PageUp|PageDown|Home|End| )$/;
    window.addEventListener("wheel", stop, { passive: true });
    window.addEventListener("touchmove", stop, { passive: true });
    window.addEventListener("scroll", () => mine() || stop(), { passive: true });
    window.addEventListener("keydown", (e) => {
      const t = e.target.closest ? e.target : document.body;
      // Keys that scroll, where they do: not in a field, and a space not on a button or link.
      const keeps = "input, textarea, select, [contenteditable]" + (e.key === " " ? ", button, a" : "");
      if (keys.test(e.key) && !t.closest(keeps)) stop();
    });

    body.addEventListener("click", (e) => {
      const link = e.target.closest("a.time");
      if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const i = lines.indexOf(link.closest(".line"));
      if (i < 0 || seconds[i] === null) return;
      e.preventDefault();
      playFrom(i);
    });
    lines.forEach((line, i) => {
      const link = seconds[i] !== null && line.querySelector("a.time");
      if (link) link.title = `Play from ${labelOf(i)}`;
    });
    const contents = $("contents");
    if (contents) {
      contents.addEventListener("click", (e) => {
        const link = e.target.closest("a[href^='#']");
        const heading = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
        const first = heading && heading.closest(".chapter").querySelector("a.time");
        if (!first || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        ours(); // the page goes to the section as it always did, and plays from its first line
        playFrom(lines.indexOf(first.closest(".line")));
      });
    }
  }

  // --- opened at a line: #line-… (and ?t= to play from it) ------------------------------------

  function opened() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    const line = target && lineOf(target);
    const asked = new URLSearchParams(location.search).get("t");
    if (!player) return line;
    const i = lines.indexOf(line);
    const s = i >= 0 && secondOf(i) !== null ? secondOf(i) : asked !== null && !isNaN(asked) ? Number(asked) : null;
    if (s === null) return line;
    if (asked !== null) playFrom(i, s);
    else {
      // The player is made ready to start there: the first press of play plays from this line.
      cue = { line: i, at: s };
      command("cueVideoById", [player.video, s], false);
      showButtons();
    }
    return line;
  }

  // --- find in this episode -----------------------------------------------------------------
  // Matches are painted with the CSS Custom Highlight API, which leaves the text as it is and
  // takes no time for thousands of them; a browser without it gets <mark> elements.

  const findForm = $("find"), query = $("find-q"), count = $("find-count");
  const originals = texts.map((t) => t.textContent);
  const paint = window.CSS && CSS.highlights && window.Highlight;
  let hits = [], hit = -1, marked = [], pending = 0;

  function clear() {
    if (paint) ["find", "find-current"].forEach((name) => CSS.highlights.delete(name));
    marked.forEach((i) => (texts[i].textContent = originals[i]));
    marked = [];
    hits = [];
    hit = -1;
  }

  function find() {
    pending = 0;
    clear();
    const words = query.value.trim();
    if (!words) return (count.textContent = "");
    const pattern = new RegExp(words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+"), "giu");
    originals.forEach((text, i) => {
      let found, last = 0, parts = null;
      pattern.lastIndex = 0;
      while ((found = pattern.exec(text))) {
        const end = found.index + found[0].length;
        if (paint) {
          const range = new Range();
          range.setStart(texts[i].firstChild, found.index);
          range.setEnd(texts[i].firstChild, end);
          hits.push({ line: i, at: range });
        } else {
          const mark = document.createElement("mark");
          mark.className = "find-hit";
          mark.textContent = found[0];
          (parts = parts || document.createDocumentFragment()).append(text.slice(last, found.index), mark);
          hits.push({ line: i, at: mark });
        }
        last = end;
      }
      if (parts) {
        parts.append(text.slice(last));
        texts[i].replaceChildren(parts);
        marked.push(i);
      }
    });
    if (!hits.length) return (count.textContent = "No matches");
    if (paint) {
      const all = new Highlight();
      hits.forEach((h) => all.add(h.at));
      CSS.highlights.set("find", all);
    }
    // The first match at or below the top of the view, as a browser's own find starts.
    const top = shown();
    let low = 0, high = lines.length - 1, first = lines.length;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (lines[mid].getBoundingClientRect().bottom > top) (first = mid), (high = mid - 1);
      else low = mid + 1;
    }
    const next = hits.findIndex((h) => h.line >= first);
    step(0, next < 0 ? 0 : next);
  }

  function step(by, to) {
    if (!hits.length) return;
    if (hit >= 0 && !paint) hits[hit].at.classList.remove("find-hit--current");
    hit = to !== undefined ? to : (hit + by + hits.length) % hits.length;
    const at = hits[hit].at;
    if (paint) CSS.highlights.set("find-current", new Highlight(at));
    else at.classList.add("find-hit--current");
    count.textContent = `${hit + 1} of ${hits.length}`;
    if (player) stop();
    reveal(at, false);
  }

  query.addEventListener("input", () => (pending = pending || requestAnimationFrame(find)));
  query.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    if (pending) find();
    step(e.shiftKey ? -1 : 1);
  });
  findForm.addEventListener("submit", (e) => e.preventDefault());
  $("find-prev").addEventListener("click", () => step(-1));
  $("find-next").addEventListener("click", () => step(1));

  // --- quote a moment -----------------------------------------------------------------------

  const share = $("share"), shareLink = $("share-link"), cite = $("share-cite"), status = $("share-status");
  const start = $("share-start"), quoteButton = $("quote-button");
  const canonical = document.querySelector("link[rel=canonical]");
  const title = document.querySelector("h1").textContent.trim();
  let quoted = null, opener = null, selected = null;

  function fill() {
    const i = lines.indexOf(quoted.line);
    const s = secondOf(i);
    const url = new URL(canonical ? canonical.href : location.href);
    url.search = "";
    if (start && start.checked && s !== null) url.searchParams.set("t", s);
    url.hash = quoted.line.id;
    shareLink.value = url.href;
    const who = speakerOf(quoted.line), label = labelOf(i);
    const said = quoted.text.replace(/\s+/g, " ").trim();
    cite.value = `“${said}” — ${who ? who + ", " : ""}“${title}”${label ? ", " + label : ""}. ${url.href}`;
    if (start) {
      start.parentNode.hidden = s === null;
      $("share-time").textContent = label;
    }
    status.textContent = "";
  }

  function openShare(line, text, from) {
    if (opener) opener.setAttribute("aria-expanded", "false");
    quoted = { line: line, text: text };
    opener = from;
    if (player) stop();
    line.append(share); // after the line's text, across both its columns
    share.hidden = false;
    quoteButton.hidden = true;
    if (from.classList.contains("line__link")) from.setAttribute("aria-expanded", "true");
    fill();
    shareLink.focus({ preventScroll: true });
    shareLink.select();
    reveal(share, false);
  }

  function closeShare() {
    share.hidden = true;
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      (document.contains(opener) && !opener.hidden ? opener : quoted.line.querySelector(".line__link")).focus();
    }
    opener = null;
  }

  async function copy(field) {
    const what = field === shareLink ? "Link" : "Citation";
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = `${what} copied.`;
    } catch (e) {
      field.focus();
      field.select();
      status.textContent = document.execCommand("copy") ? `${what} copied.` : "Press Ctrl+C (⌘C) to copy it.";
    }
  }

  lines.forEach((line) => {
    const link = line.querySelector(".line__link");
    if (!link) return;
    link.setAttribute("aria-label", "Share this line");
    link.title = "Share this line";
    link.setAttribute("aria-expanded", "false");
    link.setAttribute("aria-controls", "share");
  });
  body.addEventListener("click", (e) => {
    const link = e.target.closest(".line__link");
    if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const line = link.closest(".line");
    if (!share.hidden && quoted.line === line && opener === link) return closeShare();
    openShare(line, line.querySelector(".line__text").textContent, link);
  });
  share.addEventListener("click", (e) => {
    const copying = e.target.closest("[data-copy]");
    if (copying) copy($(copying.dataset.copy));
    if (e.target.id === "share-close") closeShare();
  });
  share.addEventListener("keydown", (e) => e.key === "Escape" && closeShare());
  if (start) start.addEventListener("change", fill);

  // A selection in the transcript offers to quote it.
  let selecting = 0;
  document.addEventListener("selectionchange", () => (selecting = selecting || requestAnimationFrame(selection)));
  function selection() {
    selecting = 0;
    const sel = window.getSelection();
    const range = sel.rangeCount && !sel.isCollapsed ? sel.getRangeAt(0) : null;
    const line = range && lineOf(range.startContainer);
    if (!line || share.contains(range.startContainer) || !body.contains(range.endContainer) || !sel.toString().trim()) {
      if (document.activeElement !== quoteButton) quoteButton.hidden = true;
      return;
    }
    if (player) stop();
    selected = { line: line, text: sel.toString() };
    const rects = range.getClientRects();
    const end = rects[rects.length - 1] || range.getBoundingClientRect();
    quoteButton.hidden = false; // placed under the selection's end, in the transcript's box
    const box = quoteButton.offsetParent.getBoundingClientRect();
    const left = Math.min(end.right - box.left, box.width - quoteButton.offsetWidth);
    quoteButton.style.left = `${Math.max(0, left)}px`;
    quoteButton.style.top = `${end.bottom - box.top + 6}px`;
  }
  quoteButton.addEventListener("mousedown", (e) => e.preventDefault()); // keeps the selection
  quoteButton.addEventListener("click", () => selected && openShare(selected.line, selected.text, quoteButton));

  // --- start ----------------------------------------------------------------------------------

  tools.hidden = false;
  document.documentElement.classList.add("has-tools");
  if (player) showButtons();
  let target = opened();
  // The tools' height, which links to a line scroll below, read once the page is laid out (not
  // before: that would lay out the whole transcript while it loads); then the line opened at
  // goes below them.
  const room = (height) => {
    document.documentElement.style.setProperty("--tools-h", `${height}px`);
    if (!target) return;
    ours();
    target.scrollIntoView({ block: "start" });
    target = null;
  };
  if (window.ResizeObserver) new ResizeObserver((seen) => room(seen[0].borderBoxSize[0].blockSize)).observe(tools);
  else requestAnimationFrame(() => room(tools.offsetHeight));
})();
