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
  var busy = false;

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("board-status--error", Boolean(isError));
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.mapwright.csrfToken() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  function refreshGrid(focusId) {
    return fetch(page.dataset.gridUrl, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#board-grid");
        var old = document.getElementById("board-grid");
        if (fresh && old) {
          old.replaceWith(fresh);
          setUpGrid();
        }
        if (focusId) {
          var target = document.getElementById(focusId);
          if (target) {
            var focusable = target.matches("[tabindex]") ? target : target.querySelector("[tabindex='0']");
            (focusable || target).focus();
          }
        }
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
          outcome = ["Not moved: " + (result.data.detail || "the server refused the move."), true];
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

  function stepName(cell) {
    var step = document.getElementById("step-" + cell.dataset.step);
    return step ? step.querySelector(".step-card").dataset.title : "";
  }

  function moveStory(card, cell, position) {
    var text = "Moved “" + card.dataset.title + "” to " + stepName(cell) + ", " + releaseName(cell) +
      ", position " + (position + 1) + ".";
    return move(card.dataset.moveUrl, {
      step: Number(cell.dataset.step),
      release: numberOrNull(cell.dataset.release),
      position: position,
      version: Number(card.dataset.version),
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
        say("“" + card.dataset.title + "” is already " + (next < 0 ? "first" : "last") + " in its cell.");
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
      say("“" + card.dataset.title + "” cannot move further that way.");
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
      say("“" + th.querySelector(".step-card").dataset.title + "” is already at that end of its activity.");
      return;
    }
    move(th.dataset.moveUrl, { position: next, activity: Number(th.dataset.activity) }, th.id,
      "Moved step “" + th.querySelector(".step-card").dataset.title + "” to position " + (next + 1) + ".");
  }

  function keyboardMoveInList(element, items, key, keys, noun) {
    if (keys.indexOf(key) === -1) {
      return;
    }
    var index = items.indexOf(element);
    var next = index + (key === keys[0] ? -1 : 1);
    if (next < 0 || next >= items.length) {
      say("“" + element.dataset.title + "” is already at that end.");
      return;
    }
    var holder = element.closest("[id]");
    move(element.dataset.moveUrl, { position: next }, holder.id,
      "Moved " + noun + " “" + element.dataset.title + "” to position " + (next + 1) + ".");
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches(".story-card")) {
      target.querySelector(".story-card__title").click();
      return;
    }
    if (!event.altKey || ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].indexOf(event.key) === -1) {
      return;
    }
    if (target.matches(".story-card")) {
      event.preventDefault();
      keyboardMoveStory(target, event.key, event.shiftKey);
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
      grid.querySelectorAll("tr").forEach(function (row) {
        var cells = row.querySelectorAll("[data-activity='" + id + "']");
        cells.forEach(function (cell, index) {
          cell.hidden = isCollapsed && index > 0;
          cell.classList.toggle("is-collapsed", isCollapsed && index === 0);
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
        move(card.dataset.moveUrl, { position: position }, event.item.id,
          "Moved activity “" + card.dataset.title + "” to position " + (position + 1) + ".");
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
        move(th.dataset.moveUrl, { position: position, activity: Number(activity) }, th.id,
          "Moved step “" + th.querySelector(".step-card").dataset.title + "”.");
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
        move(bar.dataset.moveUrl, { position: position }, event.item.id,
          "Moved release “" + bar.dataset.title + "” to position " + (position + 1) + ".");
      },
    });
  }

  function setUpGrid() {
    var grid = document.getElementById("board-grid");
    if (!grid) {
      return;
    }
    applyCollapsed(grid);
    setUpSortable(grid);
  }

  setUpGrid();
})();
