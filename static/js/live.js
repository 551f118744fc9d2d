// The live board: one WebSocket per open board (projects/consumers.py). When someone else changes
// the map, the grid is fetched again (board.js's refreshGrid, as after one's own moves), the changed
// card is outlined for a moment and the status line says who did what; a card open in the panel
// that someone else changed says so there. Presence chips show who else has the board open.
// User text only ever reaches the page as textContent.
(function () {
  "use strict";

  var page = document.querySelector(".board-page");
  var root = document.getElementById("live-board");
  var board = window.mapwright && window.mapwright.board;
  if (!page || !root || !board || !window.WebSocket) {
    return;
  }
  var statusLine = document.getElementById("live-status");
  var presence = document.getElementById("board-presence");
  var presenceList = document.getElementById("presence-list");
  var MARK_MS = 3000;
  var RETRY_FIRST_MS = 1000;
  var RETRY_MAX_MS = 30000;
  var CHIP_COLOURS = 6;
  // Closed by the server for good (projects.limits): not a member, or no longer one.
  var CLOSE_FINAL = { 4403: "You are no longer a member of this project: live updates stopped.",
    4404: "Live updates are not available for this board." };

  var me = null;
  var here = {};  // channel name → the person on it (one person may have several tabs)
  var attempt = 0;
  var everOpen = false;
  var refreshing = false;
  var queued = null;

  root.hidden = false;

  function setStatus(text) {
    statusLine.textContent = text;
  }

  // --- Presence --------------------------------------------------------------------------

  function drawPresence() {
    var people = {};
    Object.keys(here).forEach(function (channel) {
      var person = here[channel];
      if (!me || person.id !== me.id) {
        people[person.id] = person;
      }
    });
    var list = Object.keys(people).map(function (id) { return people[id]; });
    list.sort(function (a, b) { return a.name.localeCompare(b.name); });
    presenceList.replaceChildren.apply(presenceList, list.map(function (person) {
      var item = document.createElement("li");
      item.className = "presence__chip presence__chip--c" + (person.id % CHIP_COLOURS);
      item.title = person.name;
      item.dataset.user = person.id;
      var letters = document.createElement("span");
      letters.setAttribute("aria-hidden", "true");
      letters.textContent = person.initials;
      var name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = person.name;
      item.append(letters, name);
      return item;
    }));
    presence.hidden = list.length === 0;
  }

  // --- Someone else's change -------------------------------------------------------------

  function focusedId() {
    var active = document.activeElement;
    var grid = document.getElementById("board-grid");
    if (!active || !grid || !grid.contains(active)) {
      return null;
    }
    var owner = active.closest("[id]");
    return owner && owner !== grid ? owner.id : null;
  }

  function mark(storyId) {
    var card = storyId && document.getElementById("story-" + storyId);
    if (!card) {
      return;
    }
    card.classList.add("is-live-changed");
    window.setTimeout(function () { card.classList.remove("is-live-changed"); }, MARK_MS);
  }

  function tellPanel(message) {
    var panelBody = document.getElementById("story-panel-body");
    var open = board.openCardId ? board.openCardId() : null;
    if (!panelBody || !message.story_id || open !== "story-" + message.story_id) {
      return;
    }
    var notice = panelBody.querySelector(".live-panel-notice") || document.createElement("p");
    notice.className = "callout live-panel-notice";
    notice.setAttribute("role", "alert");
    notice.textContent = (message.actor_name || "Someone") + " " + (message.verb === "deleted" ?
      "deleted this card: saving will not bring it back." :
      "changed this card: your save will ask you to reload it or merge your changes.");
    panelBody.prepend(notice);
  }

  // Several changes arriving at once end in one fetch: the last one is what the grid shows.
  function refresh(message) {
    queued = queued || { stories: [], text: "" };
    if (message) {
      queued.stories.push(message.story_id);
      queued.text = message.text;
    }
    var dragging = document.querySelector(".sortable-chosen");
    if (refreshing || (board.isBusy && board.isBusy()) || dragging) {
      // One's own move or drag is under way and ends in a fresh grid itself; come back after it.
      window.setTimeout(function () { refresh(null); }, 250);
      return;
    }
    var work = queued;
    queued = null;
    if (!document.getElementById("board-grid")) {
      setStatus(work.text + (work.text ? " — " : "") + "reload the page to see the map.");
      return;
    }
    refreshing = true;
    board.refreshGrid(focusedId())
      .then(function () {
        work.stories.forEach(mark);
        if (work.text) {
          setStatus(work.text);
        }
      })
      .catch(function () {
        setStatus("The board could not be brought up to date: reload the page to see the latest map.");
      })
      .finally(function () { refreshing = false; });
  }

  function onMessage(event) {
    var message;
    try {
      message = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (message.type === "hello") {
      me = message.me;
      here[message.channel] = message.me;
    } else if (message.type === "presence") {
      if (message.action === "here") {
        here[message.channel] = message.user;
      } else {
        delete here[message.channel];
      }
      drawPresence();
    } else if (message.type === "map.event") {
      if (me && message.actor_id === me.id) {
        return;  // this person's own change: the tab that made it shows it already
      }
      tellPanel(message);
      refresh(message);
    }
  }

  // --- The socket, reconnected with backoff --------------------------------------------------

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + root.dataset.liveUrl);
    socket.addEventListener("open", function () {
      attempt = 0;
      root.classList.remove("is-offline");
      if (everOpen) {
        refresh(null);  // changes made while the socket was down were not heard
        setStatus("Live updates are back.");
      }
      everOpen = true;
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      here = {};
      drawPresence();
      if (CLOSE_FINAL[event.code]) {
        root.classList.add("is-offline");
        setStatus(CLOSE_FINAL[event.code]);
        return;
      }
      var delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * Math.pow(2, attempt));
      attempt += 1;
      if (everOpen) {
        root.classList.add("is-offline");
        setStatus("Live updates paused: reconnecting…");
      }
      window.setTimeout(connect, delay / 2 + Math.random() * delay / 2);
    });
  }

  window.mapwright.live = { people: function () { return presenceList.children.length; } };
  connect();
})();
