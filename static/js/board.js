// The story map board: drag and drop (SortableJS), keyboard moves, collapsing
// activities and confirmations. Every move is one JSON post to the server,
// then the grid is fetched again, so what you see is what was saved.
(function () {
  "use strict";

  var page = document.querySelector(".board-page");
  if (!page) {
    return;
  }
  var statusLine = document.getElementById("board-status");
  var collapsedKey = "mapwright:collapsed:" + page.dataset.project;
  var api = page.dataset.api;
  var busy = false;

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("board-status--error", Boolean(isError));
  }

  var sendJSON = window.mapwright.sendJSON;
  var problemText = window.mapwright.problemText;

  function postJSON(url, body) {
    return sendJSON("POST", url, body);
  }

  // A card takes focus by its link (the grid's one tab stop); anything else by itself or its first focusable part.
  function focusElement(id) {
    var target = id && document.getElementById(id);
    if (!target) {
      return null;
    }
    var focusable = target.matches(".story-card") ? target.querySelector("a") :
      target.matches("[tabindex]") ? target : target.querySelector("[tabindex='0']");
    focusable = focusable || target;
    var hooks = window.mapwright.board;
    if (hooks && hooks.reveal) {
      hooks.reveal(focusable);
    }
    focusable.focus({ preventScroll: Boolean(hooks && hooks.reveal) });
    return focusable;
  }

  function refreshGrid(focusId) {
    return fetch(page.dataset.gridUrl, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        // The server's own rendering of the grid, whose text it escaped.
        var parsed = new DOMParser().parseFromString(html, "text/html");
        var fresh = parsed.getElementById("board-grid");
        var old = document.getElementById("board-grid");
        if (fresh && old) {
          old.replaceWith(document.adoptNode(fresh));
          var names = parsed.getElementById("board-names");
          var oldNames = document.getElementById("board-names");
          if (names && oldNames) {
            oldNames.replaceWith(document.adoptNode(names));
          }
          setUpGrid();
        }
        focusElement(focusId);
        page.dispatchEvent(new CustomEvent("board:changed"));
      });
  }

  // One move: post it, then show the saved board and keep focus on what moved.
  function move(url, body, focusId, doneText) {
    if (busy) {
      return Promise.resolve();
    }
    busy = true;
    say("Saving…");
    return postJSON(url, body)
      .then(function (result) {
        var outcome;
        if (result.ok) {
          outcome = [doneText, false];
        } else if (result.status === 409) {
          outcome = ["Not moved: this card was changed by someone else. The board now shows the latest version.", true];
        } else {
          outcome = ["Not moved: " + (problemText(result.data) || "the server refused the move."), true];
        }
        // Announce once the board shows the outcome, not before.
        return refreshGrid(focusId).then(function () { say(outcome[0], outcome[1]); });
      })
      .catch(function () {
        return refreshGrid(focusId).catch(function () {}).then(function () {
          say("Not moved: the server could not be reached. Check your connection and try again.", true);
        });
      })
      .finally(function () { busy = false; });
  }

  function numberOrNull(value) {
    return value ? Number(value) : null;
  }

  function releaseName(cell) {
    var group = cell.closest("tbody.release");
    var bar = group && group.querySelector(".release-bar__name");
    return bar ? bar.textContent.trim() : "Unplanned";
  }

  // A cell's release is its row's: the Unplanned row has no id.
  function releaseOf(cell) {
    var group = cell.closest("tbody.release");
    return numberOrNull(group && group.dataset.id);
  }

  function stepName(cell) {
    var step = document.getElementById("step-" + cell.dataset.step);
    return step ? titleOf(step.querySelector(".step-card")) : "";
  }

  // The name an activity, step, release or card shows.
  function titleOf(element) {
    if (element.dataset.title) {
      return element.dataset.title;
    }
    var title = element.querySelector(".story-card > a, .step-card__title, .activity-card__title, .release-bar__name");
    return title ? title.textContent.trim() : "";
  }

  function moveStory(card, cell, position) {
    var text = "Moved “" + titleOf(card) + "” to " + stepName(cell) + ", " + releaseName(cell) +
      ", position " + (position + 1) + ".";
    return move(api + "stories/" + card.id.slice("story-".length) + "/move/", {
      step: Number(cell.dataset.step),
      release: releaseOf(cell),
      position: position,
      version: Number(card.dataset.v || 1),
    }, card.id, text);
  }

  // --- Keyboard -------------------------------------------------------------------

  function cellsOf(row) {
    return Array.prototype.filter.call(row.children, function (cell) { return cell.dataset.step; });
  }

  function keyboardMoveStory(card, key, shift) {
    var cell = card.closest("td.cell");
    var cards = Array.prototype.slice.call(cell.querySelectorAll(".story-card"));
    var index = cards.indexOf(card);
    if (!shift && (key === "ArrowUp" || key === "ArrowDown")) {
      var next = key === "ArrowUp" ? index - 1 : index + 1;
      if (next < 0 || next >= cards.length) {
        say("“" + titleOf(card) + "” is already " + (next < 0 ? "first" : "last") + " in its cell.");
        return;
      }
      moveStory(card, cell, next);
      return;
    }
    var target = null;
    if (shift && (key === "ArrowUp" || key === "ArrowDown")) {
      var group = cell.closest("tbody.release");
      var sibling = key === "ArrowUp" ? group.previousElementSibling : group.nextElementSibling;
      if (sibling && sibling.matches("tbody.release")) {
        var row = cell.parentElement;
        var column = Array.prototype.indexOf.call(row.children, cell);
        target = sibling.querySelector("tr.release__cells").children[column];
      }
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      var steps = cellsOf(cell.parentElement);
      target = steps[steps.indexOf(cell) + (key === "ArrowLeft" ? -1 : 1)] || null;
    }
    if (!target) {
      say("“" + titleOf(card) + "” cannot move further that way.");
      return;
    }
    moveStory(card, target, target.querySelectorAll(".story-card").length);
  }

  function keyboardMoveStep(th, key) {
    if (key !== "ArrowLeft" && key !== "ArrowRight") {
      return;
    }
    var siblings = Array.prototype.filter.call(th.parentElement.children, function (cell) {
      return cell.dataset.activity === th.dataset.activity && cell.dataset.id;
    });
    var index = siblings.indexOf(th);
    var next = index + (key === "ArrowLeft" ? -1 : 1);
    if (next < 0 || next >= siblings.length) {
      say("“" + titleOf(th.querySelector(".step-card")) + "” is already at that end of its activity.");
      return;
    }
    move(api + "steps/" + th.dataset.id + "/move/", { position: next, activity: Number(th.dataset.activity) }, th.id,
      "Moved step “" + titleOf(th.querySelector(".step-card")) + "” to position " + (next + 1) + ".");
  }

  function keyboardMoveInList(element, items, key, keys, noun) {
    if (keys.indexOf(key) === -1) {
      return;
    }
    var index = items.indexOf(element);
    var next = index + (key === keys[0] ? -1 : 1);
    if (next < 0 || next >= items.length) {
      say("“" + titleOf(element) + "” is already at that end.");
      return;
    }
    var holder = element.closest("[id]");
    var kind = noun === "activity" ? "activities/" : "releases/";
    move(api + kind + element.dataset.id + "/move/", { position: next }, holder.id,
      "Moved " + noun + " “" + titleOf(element) + "” to position " + (next + 1) + ".");
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!event.altKey || ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].indexOf(event.key) === -1) {
      return;
    }
    var card = target.closest && target.closest(".story-card");
    if (card) {
      event.preventDefault();
      keyboardMoveStory(card, event.key, event.shiftKey);
    } else if (target.matches(".step-card")) {
      event.preventDefault();
      keyboardMoveStep(target.closest("th.step"), event.key);
    } else if (target.matches(".activity-card")) {
      event.preventDefault();
      var activities = Array.prototype.slice.call(document.querySelectorAll(".activity-card"));
      keyboardMoveInList(target, activities, event.key, ["ArrowLeft", "ArrowRight"], "activity");
    } else if (target.matches(".release-bar[data-id]")) {
      event.preventDefault();
      var releases = Array.prototype.slice.call(document.querySelectorAll(".release-bar[data-id]"));
      keyboardMoveInList(target, releases, event.key, ["ArrowUp", "ArrowDown"], "release");
    }
  });

  // --- Collapsing activities -------------------------------------------------------

  function collapsedSet() {
    try {
      return JSON.parse(window.localStorage.getItem(collapsedKey) || "[]");
    } catch (error) {
      return [];
    }
  }

  function applyCollapsed(grid) {
    var collapsed = collapsedSet();
    grid.querySelectorAll("th.activity").forEach(function (th) {
      var id = th.dataset.id;
      var isCollapsed = collapsed.indexOf(id) !== -1;
      if (!th.dataset.colspan) {
        th.dataset.colspan = th.getAttribute("colspan");
      }
      th.setAttribute("colspan", isCollapsed ? "1" : th.dataset.colspan);
      th.classList.toggle("is-collapsed", isCollapsed);
      var toggle = th.querySelector(".collapse-toggle");
      toggle.setAttribute("aria-expanded", String(!isCollapsed));
      toggle.querySelector(".visually-hidden").textContent =
        (isCollapsed ? "Expand " : "Collapse ") + th.querySelector(".activity-card").dataset.title;
      // The body's cells carry no activity (page weight): they line up with the step headers' columns.
      var headers = Array.prototype.slice.call(grid.querySelector(".board__steps").children);
      var columns = [];
      headers.forEach(function (header, index) {
        if (header.dataset.activity === id) {
          columns.push(index);
        }
      });
      grid.querySelectorAll("tr.board__steps, tr.release__cells").forEach(function (row) {
        columns.forEach(function (column, index) {
          var cell = row.children[column];
          if (cell) {
            cell.hidden = isCollapsed && index > 0;
            cell.classList.toggle("is-collapsed", isCollapsed && index === 0);
          }
        });
      });
    });
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".collapse-toggle");
    if (!toggle) {
      return;
    }
    var id = toggle.dataset.activity;
    var collapsed = collapsedSet();
    var at = collapsed.indexOf(id);
    if (at === -1) {
      collapsed.push(id);
    } else {
      collapsed.splice(at, 1);
    }
    window.localStorage.setItem(collapsedKey, JSON.stringify(collapsed));
    applyCollapsed(document.getElementById("board-grid"));
  });

  // --- Drag and drop ------------------------------------------------------------------

  function setUpSortable(grid) {
    if (!window.Sortable) {
      return;
    }
    grid.querySelectorAll(".cell__stories").forEach(function (list) {
      window.Sortable.create(list, {
        group: "stories",
        draggable: ".story-card",
        animation: 150,
        ghostClass: "is-ghost",
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) {
            return;
          }
          var cell = event.to.closest("td.cell");
          var position = Array.prototype.indexOf.call(event.to.querySelectorAll(".story-card"), event.item);
          moveStory(event.item, cell, position);
        },
      });
    });

    var activitiesRow = grid.querySelector(".board__activities");
    window.Sortable.create(activitiesRow, {
      draggable: "th.activity",
      handle: ".drag-handle",
      animation: 150,
      ghostClass: "is-ghost",
      onEnd: function (event) {
        var items = Array.prototype.slice.call(activitiesRow.querySelectorAll("th.activity"));
        var position = items.indexOf(event.item);
        if (position === event.oldIndex) {
          return;
        }
        var card = event.item.querySelector(".activity-card");
        move(api + "activities/" + card.dataset.id + "/move/", { position: position }, event.item.id,
          "Moved activity “" + titleOf(card) + "” to position " + (position + 1) + ".");
      },
    });

    var stepsRow = grid.querySelector(".board__steps");
    window.Sortable.create(stepsRow, {
      draggable: "th.step[data-id]",
      handle: ".drag-handle",
      animation: 150,
      ghostClass: "is-ghost",
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) {
          return;
        }
        var th = event.item;
        // The step joins the activity of the column it was dropped after (or before, at the far left).
        var neighbour = th.previousElementSibling || th.nextElementSibling;
        var activity = neighbour ? neighbour.dataset.activity : th.dataset.activity;
        var position = 0;
        for (var cell = th.previousElementSibling; cell; cell = cell.previousElementSibling) {
          if (cell.dataset.id && cell.dataset.activity === activity) {
            position += 1;
          }
        }
        move(api + "steps/" + th.dataset.id + "/move/", { position: position, activity: Number(activity) }, th.id,
          "Moved step “" + titleOf(th.querySelector(".step-card")) + "”.");
      },
    });

    window.Sortable.create(grid, {
      draggable: "tbody.release[data-id]",
      handle: ".release-bar .drag-handle",
      animation: 150,
      ghostClass: "is-ghost",
      onEnd: function (event) {
        var groups = Array.prototype.slice.call(grid.querySelectorAll("tbody.release[data-id]"));
        var position = groups.indexOf(event.item);
        var bar = event.item.querySelector(".release-bar");
        move(api + "releases/" + bar.dataset.id + "/move/", { position: position }, event.item.id,
          "Moved release “" + titleOf(bar) + "” to position " + (position + 1) + ".");
      },
    });
  }

  function setUpGrid() {
    var grid = document.getElementById("board-grid");
    if (!grid) {
      return;
    }
    // The workspace (workspace.js) first: cards get their chips and "+" buttons before anything measures them.
    var hooks = window.mapwright.board;
    if (hooks && hooks.setUpGrid) {
      hooks.setUpGrid(grid);
    }
    applyCollapsed(grid);
    if (!page.hasAttribute("data-readonly")) {  // a viewer's board: nothing to drag
      setUpSortable(grid);
    }
  }

  // What workspace.js builds on: one way to write, refresh and announce. (app.js, which adds the
  // CSRF helper to the same object, runs after the board's scripts.)
  window.mapwright = window.mapwright || {};
  window.mapwright.board = window.mapwright.board || {};
  window.mapwright.board.say = say;
  window.mapwright.board.sendJSON = sendJSON;
  window.mapwright.board.problemText = problemText;
  window.mapwright.board.refreshGrid = refreshGrid;
  window.mapwright.board.focusElement = focusElement;
  window.mapwright.board.titleOf = titleOf;
  window.mapwright.board.isBusy = function () { return busy; };

  // workspace.js loads after this file (both deferred, in order) and sets the grid up once its hooks are in place.
  window.mapwright.board.setUpGridNow = setUpGrid;
})();
