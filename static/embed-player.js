/* The YouTube embed driven through its own postMessage interface, for the pages that frame it
   (the address asks for the interface with enablejsapi=1 and names the page's origin): the page
   says "listening", the player answers with infoDelivery events (currentTime, playerState) and
   onStateChange, and takes commands such as seekTo, playVideo and pauseVideo. No other script is
   loaded. window.EmbedPlayer(frame, on) connects to the frame; `on` may have state(playerState,
   previous), time(seconds), ready() and silent() (the player has not answered in ten seconds).
   The episode page's script and the transcript editor's both drive their player through it. */
(function () {
  "use strict";

  const PLAYING = 1, BUFFERING = 3;

  // Seconds as the archive writes them: 12 -> 0:12, 754 -> 12:34, 3608 -> 1:00:08.
  function clock(s) {
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = String(Math.floor(s % 60)).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
  }

  function EmbedPlayer(frame, on) {
    on = on || {};
    const origin = new URL(frame.src).origin;
    const player = {
      video: decodeURIComponent(new URL(frame.src).pathname.split("/").pop()),
      ready: false,
      state: -1,
      time: 0,
      playing: (state) => [PLAYING, BUFFERING].includes(state === undefined ? player.state : state),
      command: command,
      seek: seek,
      listen: listen,
    };
    const queue = [];
    let seeking = null; // {to, until}: the time the player reports lags a seek for a moment
    let listenTimer = 0;

    function post(message) {
      message.id = 1;
      message.channel = "widget";
      frame.contentWindow.postMessage(JSON.stringify(message), origin);
    }
    function command(func, args, wake) {
      if (player.ready) return post({ event: "command", func: func, args: args || [] });
      queue.push([func, args]);
      if (wake !== false) load();
    }
    function seek(s) {
      seeking = { to: s, until: performance.now() + 1500 };
      player.time = s;
      command("seekTo", [s, true]);
    }
    function listen() {
      clearInterval(listenTimer);
      let tries = 0;
      const hello = () => (player.ready || ++tries > 60 ? clearInterval(listenTimer) : post({ event: "listening" }));
      hello();
      listenTimer = setInterval(hello, 250);
    }
    // Whether the frame has loaded (before that it has no origin to post to).
    const loaded = () => performance.getEntriesByName(frame.src).some((entry) => entry.responseEnd > 0);
    function load() {
      // A lazy frame out of view has not loaded yet; asked to play, it loads now and says so.
      if (frame.loading === "lazy") frame.loading = "eager";
      if (loaded()) listen();
      setTimeout(() => player.ready || (on.silent && on.silent()), 10000);
    }

    function received(event) {
      if (event.source !== frame.contentWindow || event.origin !== origin) return;
      let data;
      try {
        data = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
      } catch (e) {
        return;
      }
      if (!data || typeof data !== "object") return;
      if (!player.ready && /^(onReady|initialDelivery|infoDelivery)$/.test(data.event)) {
        player.ready = true;
        clearInterval(listenTimer);
        post({ event: "command", func: "addEventListener", args: ["onStateChange"] });
        queue.splice(0).forEach((c) => command(c[0], c[1]));
        if (on.ready) on.ready();
      }
      const info = data.info;
      if (data.event === "onStateChange" && typeof info === "number") changed(info);
      if (info && typeof info === "object") {
        if (typeof info.playerState === "number") changed(info.playerState);
        if (typeof info.currentTime === "number") at(info.currentTime);
      }
    }
    function changed(state) {
      if (state === player.state) return;
      const was = player.state;
      player.state = state;
      if (on.state) on.state(state, was);
    }
    function at(time) {
      if (seeking && performance.now() < seeking.until && Math.abs(time - seeking.to) > 2) return;
      seeking = null;
      player.time = time;
      if (on.time) on.time(time);
    }

    window.addEventListener("message", received);
    frame.addEventListener("load", listen);
    if (loaded()) listen(); // it loaded before this script ran
    return player;
  }

  EmbedPlayer.clock = clock;
  window.EmbedPlayer = EmbedPlayer;
})();
