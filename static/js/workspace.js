// The board as a workspace, on top of board.js: undo and redo, the card panel, the one add-story
// dialog, densities, search and filters, the cards' chips, keyboard walking and the menus.
// User text only ever reaches the page as textContent or as the server's own escaped HTML.
(function () {
  "use strict";

  var page = document.querySelector(".board-page");
  var board = window.mapwright && window.mapwright.board;
  if (!page || !board) {
    return;
  }
  page.classList.add("has-js");
  var api = page.dataset.api;
  var projectApi = api + "projects/" + page.dataset.project + "/";
  var scroller = document.getElementById("board-scroll");
  var say = board.say;
  var sendJSON = board.sendJSON;
  var DENSITIES = ["comfortable", "compact", "overview"];

  function isTyping(target) {
    return Boolean(target && target.closest && target.closest("input, textarea, select, [contenteditable='true']"));
  }

  function openDialog() {
    return document.querySelector("dialog[open]");
  }

  function cardOf(element) {
    return element && element.closest ? element.closest(".story-card") : null;
  }

  function names() {
    var holder = document.getElementById("board-names");
    try {
      return holder ? JSON.parse(holder.textContent) : {};
    } catch (error) {
      return {};
    }
  }

  function storyId(card) {
    return card.id.slice("story-".length);
  }

  function statusOf(card) {
    var match = card.className.match(/\bs-(\w+)/);
    return match ? match[1] : "todo";
  }

  function priorityOf(card) {
    var match = card.className.match(/\bp-(\w+)/);
    return match ? match[1] : "";
  }

  // --- Keeping a card clear of the sticky headers ---------------------------------------

  function headHeight() {
    var head = scroller && scroller.querySelector("thead");
    return head ? head.offsetHeight : 0;
  }

  function reveal(element) {
    if (!scroller || !element || !scroller.contains(element)) {
      if (element && element.scrollIntoView) {
        element.scrollIntoView({ block: "nearest" });
      }
      return;
    }
    var box = cardOf(element) || element;
    var margin = 8;
    var view = scroller.getBoundingClientRect();
    var rect = box.getBoundingClientRect();
    if (!box.closest("thead")) {
      var top = view.top + headHeight() + margin;
      if (rect.top < top) {
        scroller.scrollTop -= top - rect.top;
      } else if (rect.bottom > view.bottom - margin) {
        scroller.scrollTop += Math.min(rect.bottom - view.bottom + margin, rect.top - top);
      }
    }
    rect = box.getBoundingClientRect();
    if (rect.left < view.left + margin) {
      scroller.scrollLeft -= view.left + margin - rect.left;
    } else if (rect.right > view.right - margin) {
      scroller.scrollLeft += Math.min(rect.right - view.right + margin, rect.left - view.left - margin);
    }
    // Then the page, as little as it takes, so that the messages above the board stay in sight when they can.
    rect = box.getBoundingClientRect();
    if (rect.bottom > window.innerHeight) {
      window.scrollBy(0, rect.bottom - window.innerHeight + margin);
    } else if (rect.top < 0) {
      window.scrollBy(0, rect.top - margin);
    }
  }
  board.reveal = reveal;

  function measureHead() {
    if (scroller) {
      scroller.style.setProperty("--board-head", headHeight() + "px");
    }
  }

  // --- The cards' chips, the cells' "+" and the grid's one tab stop ----------------------------

  function chip(parent, text, className) {
    var span = document.createElement("span");
    span.className = "chip" + (className ? " " + className : "");
    span.textContent = text;
    parent.appendChild(span);
    return span;
  }

  // A drawn speech bubble rather than the emoji: not every system has a font with 💬.
  var SVG = "http://www.w3.org/2000/svg";
  function speechBubble() {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("class", "chip__icon");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", "M3 2h10a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H8l-3.5 3v-3H3a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  function renderChips(grid, known) {
    var annotations = known.annotations || [];
    grid.querySelectorAll(".story-card").forEach(function (card) {
      if (card.querySelector(".story-card__meta")) {
        return;
      }
      var meta = document.createElement("p");
      meta.className = "story-card__meta";
      var priority = priorityOf(card);
      chip(meta, (known.priority || {})[priority] || priority, "chip--" + priority);
      if (card.dataset.e !== undefined) {
        chip(meta, card.dataset.e + (card.dataset.e === "1" ? " pt" : " pts"), "chip--points");
      }
      var status = statusOf(card);
      if (status !== "todo") {
        chip(meta, (known.status || {})[status] || status, "chip--status");
      }
      var persona = card.dataset.pe && (known.persona || {})[card.dataset.pe];
      if (persona) {
        chip(meta, persona, "chip--persona");
      }
      (card.dataset.l || "").split(" ").forEach(function (key) {
        var name = key && (known.label || {})[key];
        if (!name) {
          return;
        }
        var label = document.createElement("span");
        if (annotations.indexOf(key) === -1) {
          label.className = "lb lb-" + key;
          label.setAttribute("role", "img");
          label.setAttribute("aria-label", name);
          label.title = name;
        } else {
          label.className = "an";
          label.textContent = name;
        }
        meta.appendChild(label);
      });
      var comments = (known.comments || {})[storyId(card)];
      if (comments) {
        var said = comments + (comments === 1 ? " comment" : " comments");
        var bubble = chip(meta, String(comments), "chip--comments");
        bubble.setAttribute("role", "img");
        bubble.setAttribute("aria-label", said);
        bubble.title = said;
        bubble.insertBefore(speechBubble(), bubble.firstChild);
      }
      card.appendChild(meta);
    });
  }

  function stepTitles(grid) {
    var titles = {};
    grid.querySelectorAll("th.step[data-id]").forEach(function (th) {
      titles[th.dataset.id] = board.titleOf(th.querySelector(".step-card"));
    });
    return titles;
  }

  function releaseTitle(cell) {
    var bar = cell.closest("tbody.release").querySelector(".release-bar__name");
    return bar ? bar.textContent.trim() : "Unplanned";
  }

  function addButtons(grid) {
    var titles = stepTitles(grid);
    grid.querySelectorAll("td.cell[data-step]").forEach(function (cell) {
      if (cell.querySelector(".cell__add")) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cell__add";
      // Out of the tab order: the grid is one tab stop, and N adds to the focused card's cell.
      button.tabIndex = -1;
      button.setAttribute("aria-label", "Add a story to " + titles[cell.dataset.step] + ", " + releaseTitle(cell));
      button.textContent = "+";
      cell.appendChild(button);
    });
  }

  var currentCardId = null;

  function cardLinks(grid) {
    return Array.prototype.slice.call((grid || document).querySelectorAll(".story-card > a"));
  }

  function setRovingStop(grid) {
    var links = cardLinks(grid);
    var current = currentCardId && document.getElementById(currentCardId);
    var stop = current ? current.querySelector("a") : links[0];
    links.forEach(function (link) {
      link.tabIndex = link === stop ? 0 : -1;
    });
  }

  document.addEventListener("focusin", function (event) {
    var card = cardOf(event.target);
    if (!card || event.target !== card.querySelector("a")) {
      return;
    }
    if (currentCardId !== card.id) {
      var previous = currentCardId && document.getElementById(currentCardId);
      if (previous) {
        previous.querySelector("a").tabIndex = -1;
      }
      currentCardId = card.id;
    }
    event.target.tabIndex = 0;
  });

  board.setUpGrid = function (grid) {
    renderChips(grid, names());
    addButtons(grid);
    setRovingStop(grid);
    applyFilters();
    measureHead();
  };

  // --- Walking the board with the arrow keys ------------------------------------------------

  function cellCards(cell) {
    return cell ? Array.prototype.slice.call(cell.querySelectorAll(".story-card")) : [];
  }

  function visibleCell(cell) {
    return cell && !cell.hidden && cell.matches("td.cell[data-step]");
  }

  // The nearest cell with cards from `cell`, stepping through the rows (vertical) or along the row.
  function nextCellWithCards(cell, key) {
    var row = cell.parentElement;
    var column = Array.prototype.indexOf.call(row.children, cell);
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var step = key === "ArrowLeft" ? -1 : 1;
      for (var i = column + step; i >= 0 && i < row.children.length; i += step) {
        var candidate = row.children[i];
        if (visibleCell(candidate) && cellCards(candidate).length) {
          return candidate;
        }
      }
      return null;
    }
    var group = row.closest("tbody.release");
    var forward = key === "ArrowDown";
    for (var next = forward ? group.nextElementSibling : group.previousElementSibling; next;
      next = forward ? next.nextElementSibling : next.previousElementSibling) {
      var cells = next.querySelector("tr.release__cells");
      var below = cells && cells.children[column];
      if (visibleCell(below) && cellCards(below).length) {
        return below;
      }
    }
    return null;
  }

  function walk(card, key) {
    var cell = card.closest("td.cell");
    var cards = cellCards(cell);
    var index = cards.indexOf(card);
    var target = null;
    if (key === "ArrowUp" && index > 0) {
      target = cards[index - 1];
    } else if (key === "ArrowDown" && index < cards.length - 1) {
      target = cards[index + 1];
    } else {
      var other = nextCellWithCards(cell, key);
      var there = cellCards(other);
      if (there.length) {
        if (key === "ArrowUp") {
          target = there[there.length - 1];
        } else if (key === "ArrowDown") {
          target = there[0];
        } else {
          target = there[Math.min(index, there.length - 1)];
        }
      }
    }
    if (target) {
      board.focusElement(target.id);
    }
  }

  // --- Deleting a card from the keyboard --------------------------------------------------------

  function deleteCard(card) {
    if (board.isBusy()) {
      return;
    }
    var title = board.titleOf(card);
    var cards = cardLinks(document).map(function (link) { return link.parentElement; });
    var at = cards.indexOf(card);
    var neighbour = cards[at + 1] || cards[at - 1];
    say("Deleting “" + title + "”…");
    sendJSON("DELETE", api + "stories/" + storyId(card) + "/").then(function (result) {
      if (!result.ok) {
        say("Not deleted: " + (board.problemText(result.data) || "the server refused."), true);
        return null;
      }
      currentCardId = neighbour ? neighbour.id : null;
      return board.refreshGrid(neighbour ? neighbour.id : null).then(function () {
        say("Deleted “" + title + "”. Press Ctrl+Z to undo.");
      });
    }).catch(function () {
      say("Not deleted: the server could not be reached.", true);
    });
  }

  // --- Undo and redo ------------------------------------------------------------------------

  function setHistoryButton(kind, entry) {
    var button = document.getElementById(kind + "-button");
    if (!button) {
      return;
    }
    var verb = kind === "undo" ? "Undo" : "Redo";
    button.disabled = !entry;
    button.querySelector("[data-what]").textContent = entry ? " " + entry.label : "";
    if (entry) {
      button.title = verb + " " + entry.label + (kind === "undo" ? " (Ctrl+Z)" : " (Ctrl+Shift+Z)");
    } else {
      button.removeAttribute("title");
    }
  }

  function showHistory(state) {
    if (state && typeof state === "object" && ("undo" in state || "redo" in state)) {
      setHistoryButton("undo", state.undo);
      setHistoryButton("redo", state.redo);
    }
  }

  board.showHistory = showHistory;  // assists.js: an accept's answer names its undo

  function refreshHistory() {
    return fetch(projectApi + "history/", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(showHistory)
      .catch(function () {});
  }

  var historyBusy = false;

  function travel(kind) {
    var button = document.getElementById(kind + "-button");
    if (historyBusy || (button && button.disabled)) {
      if (button && button.disabled) {
        say(kind === "undo" ? "Nothing to undo." : "Nothing to redo.");
      }
      return;
    }
    historyBusy = true;
    say(kind === "undo" ? "Undoing…" : "Redoing…");
    sendJSON("POST", projectApi + kind + "/", {}).then(function (result) {
      if (!result.ok) {
        say((kind === "undo" ? "Not undone: " : "Not redone: ") +
          (board.problemText(result.data) || "the server refused."), true);
        return refreshHistory();
      }
      var done = result.data.done || {};
      showHistory(result.data);
      var focus = done.focus && /^(story|step|activity|release)-\d+$/.test(done.focus) ? done.focus : null;
      if (focus) {
        currentCardId = focus.indexOf("story-") === 0 ? focus : currentCardId;
      }
      return board.refreshGrid(focus).then(function () {
        say((kind === "undo" ? "Undone: " : "Redone: ") + (done.label || "the last change") + ".");
        showHistory(result.data);
      });
    }).catch(function () {
      say("The server could not be reached. Check your connection and try again.", true);
    }).finally(function () { historyBusy = false; });
  }

  document.querySelectorAll("form[data-history]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      travel(form.dataset.history);
    });
  });

  // Every write the board makes ends in a fresh grid; the buttons then say what the server would undo.
  page.addEventListener("board:changed", function () {
    refreshHistory();
  });

  // --- One add-story form, in a dialog ----------------------------------------------------------

  var addDialog = document.getElementById("story-add-dialog");
  var addForm = document.getElementById("story-add-form");
  var addOpener = null;

  if (addDialog && addForm) {
    addDialog.appendChild(addForm);
    var adder = document.getElementById("story-adder");
    if (adder) {
      adder.hidden = true;
    }
  }

  function openAdd(cell, opener) {
    if (!addDialog || !addForm) {
      return;
    }
    var step = addForm.querySelector("[name=step]");
    var release = addForm.querySelector("[name=release]");
    if (cell) {
      step.value = cell.dataset.step;
      var group = cell.closest("tbody.release");
      release.value = group && group.dataset.id ? group.dataset.id : "";
    }
    var heading = document.getElementById("story-add-dialog-title");
    heading.textContent = cell ? "Add a story to " + stepTitles(document)[cell.dataset.step] + ", " + releaseTitle(cell) :
      "Add a story";
    var errors = document.getElementById("story-add-errors");
    errors.hidden = true;
    errors.textContent = "";
    addOpener = opener || document.activeElement;
    addDialog.showModal();
    addForm.querySelector("[name=title]").focus();
  }

  if (addForm) {
    addForm.addEventListener("submit", function (event) {
      if (!addDialog.open) {
        return;  // the form below the board without its dialog: a plain post
      }
      event.preventDefault();
      var title = addForm.querySelector("[name=title]");
      var release = addForm.querySelector("[name=release]").value;
      var body = {
        title: title.value,
        step: Number(addForm.querySelector("[name=step]").value),
        release: release ? Number(release) : null,
      };
      var errors = document.getElementById("story-add-errors");
      sendJSON("POST", addForm.dataset.apiUrl, body).then(function (result) {
        if (!result.ok) {
          errors.textContent = "The story was not added. " + (board.problemText(result.data) || "");
          errors.hidden = false;
          title.focus();
          return null;
        }
        var added = "story-" + result.data.id;
        currentCardId = added;
        addOpener = null;
        addDialog.close();
        title.value = "";
        return board.refreshGrid(added).then(function () {
          say("Added “" + body.title.trim() + "”.");
        });
      }).catch(function () {
        errors.textContent = "The story was not added: the server could not be reached.";
        errors.hidden = false;
      });
    });
  }

  if (addDialog) {
    addDialog.addEventListener("close", function () {
      if (addOpener && document.contains(addOpener)) {
        // The "+" buttons are out of the tab order: go back to the cell's card, else the button.
        var card = addOpener.closest("td.cell") && addOpener.closest("td.cell").querySelector(".story-card");
        (card ? card.querySelector("a") : addOpener).focus();
      }
      addOpener = null;
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest(".cell__add");
    if (add) {
      openAdd(add.closest("td.cell"), add);
    }
    var open = event.target.closest("[data-open-add]");
    if (open) {
      var focused = document.getElementById(currentCardId || "");
      openAdd(focused ? focused.closest("td.cell") : null, open);
    }
  });

  // --- The card panel -------------------------------------------------------------------------

  var panel = document.getElementById("story-panel");
  var panelBody = document.getElementById("story-panel-body");
  var panelCardId = null;
  var panelSaved = false;
  var panelComments = null;  // comments.js's handle for the open card: did a comment come or go?

  function firstField(root) {
    return root.querySelector("input:not([type=hidden]):not([disabled]), textarea, select");
  }

  // The story's form out of its page (or a 400/409 answer), with the conflict notice when there is one.
  function showPanelForm(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var form = doc.querySelector("form[data-story-form]") || doc.querySelector("form.form-card") ||
      doc.querySelector("main form");
    if (!form) {
      panelBody.textContent = "This story could not be opened here.";
      return null;
    }
    var parts = [];
    var notice = doc.querySelector(".callout");
    if (notice) {
      parts.push(document.adoptNode(notice));
    }
    form = document.adoptNode(form);
    parts.push(form);
    // Below the form, the card's comments (comments.js): viewers, who cannot save the form, comment too.
    var comments = window.mapwright.comments;
    var commentsBox = comments && panelCardId ? document.createElement("div") : null;
    if (commentsBox) {
      parts.push(commentsBox);
    }
    panelBody.replaceChildren.apply(panelBody, parts);
    if (commentsBox) {
      var changedBefore = Boolean(panelComments && panelComments.changed);
      panelComments = comments.mount(commentsBox, {
        api: api, storyId: panelCardId.slice("story-".length), max: Number(panel.dataset.commentMax) || undefined,
      });
      panelComments.changed = changedBefore;
    }
    form.addEventListener("submit", submitPanel);
    form.querySelectorAll("a[href]").forEach(function (link) {
      // Cancel goes back to the board, which the panel is already over.
      if (link.closest(".story-form__actions")) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          panel.close();
        });
      }
    });
    return form;
  }

  function openPanel(card) {
    if (!panel) {
      return;
    }
    panelCardId = card.id;
    panelSaved = false;
    panelComments = null;
    document.getElementById("story-panel-title").textContent = "Edit “" + board.titleOf(card) + "”";
    panelBody.textContent = "Loading…";
    panel.showModal();
    fetch(card.querySelector("a").href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var form = showPanelForm(html);
        var field = form && firstField(form);
        if (field) {
          field.focus();
        }
      })
      .catch(function () {
        panelBody.textContent = "This story could not be loaded. It may have been deleted; close the panel to see the board.";
      });
  }

  function submitPanel(event) {
    event.preventDefault();
    var form = event.target;
    var button = form.querySelector("[type=submit]");
    if (button) {
      button.disabled = true;
    }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        // Saved: the server sends the browser back to the board (whose page takes its message).
        if (response.redirected && response.ok) {
          panelSaved = true;
          panel.close();
          return null;
        }
        return response.text().then(function (html) {
          var fresh = showPanelForm(html);
          if (!fresh) {
            return;
          }
          var problem = panelBody.querySelector(".callout, .field--invalid input, .field--invalid textarea, " +
            ".field--invalid select, [aria-invalid=true]");
          var target = problem && problem.matches(".callout") ? problem : problem || firstField(fresh);
          if (target === problem && problem.matches(".callout")) {
            problem.tabIndex = -1;
          }
          if (target) {
            target.focus();
          }
        });
      })
      .catch(function () {
        if (button) {
          button.disabled = false;
        }
        say("Not saved: the server could not be reached. Your changes are still in the panel.", true);
      });
  }

  if (panel) {
    panel.addEventListener("close", function () {
      var id = panelCardId;
      var commented = Boolean(panelComments && panelComments.changed);
      panelComments = null;
      panelBody.replaceChildren();
      if (commented && !panelSaved) {
        board.refreshGrid(id).then(function () { board.focusElement(id); });  // the card's comment count
      } else if (panelSaved) {
        board.refreshGrid(id).then(function () {
          var card = document.getElementById(id);
          say(card ? "Saved “" + board.titleOf(card) + "”." : "Saved.");
        });
      } else {
        board.focusElement(id);
      }
    });
  }

  // The card open in the panel ("story-12"), or null: live.js tells its reader when someone else changes it.
  board.openCardId = function () { return panel && panel.open ? panelCardId : null; };

  document.addEventListener("click", function (event) {
    var card = cardOf(event.target);
    if (!card || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    if (event.target.closest("a, button") && !event.target.closest(".story-card > a")) {
      return;
    }
    event.preventDefault();
    card.querySelector("a").focus({ preventScroll: true });
    openPanel(card);
  });

  document.querySelectorAll("dialog [data-close]").forEach(function (button) {
    button.addEventListener("click", function () { button.closest("dialog").close(); });
  });

  // --- Densities -----------------------------------------------------------------------------

  function currentDensity() {
    for (var i = 0; i < DENSITIES.length; i += 1) {
      if (page.classList.contains("density-" + DENSITIES[i])) {
        return DENSITIES[i];
      }
    }
    return DENSITIES[0];
  }

  function setDensity(density) {
    if (DENSITIES.indexOf(density) === -1 || density === currentDensity()) {
      return;
    }
    DENSITIES.forEach(function (name) { page.classList.toggle("density-" + name, name === density); });
    document.querySelectorAll(".zoom__button").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.density === density));
    });
    measureHead();
    var focused = currentCardId && document.getElementById(currentCardId);
    if (focused && focused.contains(document.activeElement)) {
      reveal(focused);
    }
    var label = density.charAt(0).toUpperCase() + density.slice(1);
    sendJSON("PATCH", page.dataset.meUrl, { board_density: density }).then(function (result) {
      say(result.ok ? label + " density." : label + " density, but it was not saved: " +
        (board.problemText(result.data) || "the server refused."), !result.ok);
    }).catch(function () {
      say(label + " density, not saved: the server could not be reached.", true);
    });
  }

  document.querySelectorAll(".zoom__button").forEach(function (button) {
    button.addEventListener("click", function () { setDensity(button.dataset.density); });
  });

  // The overview cuts titles to one line: the whole title is the card's tooltip, set when the
  // pointer first reaches a card rather than sent with each of a thousand cards.
  document.addEventListener("mouseover", function (event) {
    var link = event.target.closest && event.target.closest(".story-card > a");
    if (link && !link.title) {
      link.title = link.textContent.trim();
    }
  });

  // --- Search and filters ----------------------------------------------------------------------

  var filters = document.getElementById("board-filters");
  var search = document.getElementById("board-search");
  var descriptions = null;
  var loadingDescriptions = false;

  if (filters) {
    filters.hidden = false;
  }

  function collectDescriptions(value, into) {
    if (Array.isArray(value)) {
      value.forEach(function (item) { collectDescriptions(item, into); });
    } else if (value && typeof value === "object") {
      if (Array.isArray(value.stories)) {
        value.stories.forEach(function (story) {
          into[String(story.id)] = String(story.description || "").toLowerCase();
        });
      }
      Object.keys(value).forEach(function (key) {
        if (key !== "stories") {
          collectDescriptions(value[key], into);
        }
      });
    }
  }

  // Descriptions are not on the cards (page weight): the map endpoint has them, cached by the server.
  function loadDescriptions() {
    if (descriptions || loadingDescriptions) {
      return;
    }
    loadingDescriptions = true;
    fetch(projectApi + "map/", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        var found = {};
        collectDescriptions(data, found);
        descriptions = found;
        applyFilters();
      })
      .catch(function () {})
      .finally(function () { loadingDescriptions = false; });
  }

  function filterValues() {
    var values = {};
    if (!filters) {
      return values;
    }
    filters.querySelectorAll("[data-filter]").forEach(function (select) {
      if (select.value) {
        values[select.dataset.filter] = select.value;
      }
    });
    return values;
  }

  function matches(card, query, values) {
    if (query) {
      var text = board.titleOf(card).toLowerCase();
      var description = descriptions ? descriptions[storyId(card)] || "" : "";
      if (text.indexOf(query) === -1 && description.indexOf(query) === -1) {
        return false;
      }
    }
    if (values.release) {
      var group = card.closest("tbody.release");
      var release = group && group.dataset.id ? group.dataset.id : "none";
      if (release !== values.release) {
        return false;
      }
    }
    if (values.persona && (card.dataset.pe || "none") !== values.persona) {
      return false;
    }
    if (values.status && statusOf(card) !== values.status) {
      return false;
    }
    if (values.priority && priorityOf(card) !== values.priority) {
      return false;
    }
    if (values.label && (" " + (card.dataset.l || "") + " ").indexOf(" " + values.label + " ") === -1) {
      return false;
    }
    return true;
  }

  function applyFilters() {
    if (!filters) {
      return;
    }
    var query = search.value.trim().toLowerCase();
    var values = filterValues();
    var active = Boolean(query) || Object.keys(values).length > 0;
    var cards = document.querySelectorAll("#board-grid .story-card");
    var shown = 0;
    cards.forEach(function (card) {
      var hit = active && matches(card, query, values);
      shown += hit ? 1 : 0;
      card.classList.toggle("is-match", hit);
      card.classList.toggle("is-dimmed", active && !hit);
    });
    page.classList.toggle("is-filtered", active);
    document.getElementById("filter-clear").hidden = !active;
    var total = cards.length;
    var noun = total === 1 ? " story" : " stories";
    document.getElementById("filter-count").textContent = active ? shown + " of " + total + noun : total + noun;
  }

  if (filters) {
    search.addEventListener("input", applyFilters);
    search.addEventListener("focus", loadDescriptions);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && search.value) {
        event.preventDefault();
        event.stopPropagation();
        search.value = "";
        applyFilters();
      }
    });
    filters.querySelectorAll("[data-filter]").forEach(function (select) {
      select.addEventListener("change", applyFilters);
    });
    document.getElementById("filter-clear").addEventListener("click", function () {
      search.value = "";
      filters.querySelectorAll("[data-filter]").forEach(function (select) { select.value = ""; });
      applyFilters();
      search.focus();
    });
  }

  // --- Menus: one open at a time, Escape and a click elsewhere close them, never clipped ----------

  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll("details.menu[open]"));
  }

  function placeMenu(menu) {
    var panelElement = menu.querySelector(".menu__panel");
    var summary = menu.querySelector("summary");
    if (!panelElement || !summary) {
      return;
    }
    // Fixed: out of the board's overflow, so the left-most menu is not cut off; flipped to stay on screen.
    panelElement.classList.add("menu__panel--placed");
    var anchor = summary.getBoundingClientRect();
    var width = panelElement.offsetWidth;
    var height = panelElement.offsetHeight;
    var margin = 8;
    var left = anchor.right - width;
    if (left < margin) {
      left = anchor.left;
    }
    left = Math.max(margin, Math.min(left, window.innerWidth - width - margin));
    var top = anchor.bottom + 4;
    if (top + height > window.innerHeight - margin && anchor.top - height - 4 > margin) {
      top = anchor.top - height - 4;
    }
    panelElement.style.left = left + "px";
    panelElement.style.top = top + "px";
  }

  function closeMenu(menu, focusSummary) {
    menu.open = false;
    if (focusSummary) {
      menu.querySelector("summary").focus();
    }
  }

  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!(menu instanceof HTMLDetailsElement) || !menu.matches("details.menu")) {
      return;
    }
    if (menu.open) {
      openMenus().forEach(function (other) {
        if (other !== menu) {
          closeMenu(other, false);
        }
      });
      placeMenu(menu);
    }
  }, true);

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) {
        closeMenu(menu, false);
      }
    });
  });

  document.addEventListener("scroll", function () {
    openMenus().forEach(placeMenu);
  }, true);
  window.addEventListener("resize", function () {
    openMenus().forEach(placeMenu);
    measureHead();
  });

  // --- Keys -----------------------------------------------------------------------------------

  var keysDialog = document.getElementById("keys-dialog");

  function showKeys() {
    if (keysDialog && !keysDialog.open) {
      keysDialog.showModal();
    }
  }

  document.querySelectorAll("[data-open-keys]").forEach(function (button) {
    button.addEventListener("click", showKeys);
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Escape") {
      var menus = openMenus();
      if (menus.length) {
        event.preventDefault();
        menus.forEach(function (menu) { closeMenu(menu, menu.contains(target)); });
      }
      return;
    }
    if (openDialog() || event.altKey) {
      return;
    }
    var command = event.ctrlKey || event.metaKey;
    if (command && (event.key === "z" || event.key === "Z")) {
      if (isTyping(target)) {
        return;  // the field's own undo
      }
      event.preventDefault();
      travel(event.shiftKey ? "redo" : "undo");
      return;
    }
    if (command && (event.key === "y" || event.key === "Y") && !isTyping(target)) {
      event.preventDefault();
      travel("redo");
      return;
    }
    if (command || isTyping(target)) {
      return;
    }
    var card = cardOf(target);
    if (event.key === "/") {
      if (search) {
        event.preventDefault();
        search.focus();
      }
    } else if (event.key === "?") {
      event.preventDefault();
      showKeys();
    } else if (["1", "2", "3"].indexOf(event.key) !== -1 && !event.shiftKey) {
      setDensity(DENSITIES[Number(event.key) - 1]);
    } else if (card && ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].indexOf(event.key) !== -1) {
      event.preventDefault();
      walk(card, event.key);
    } else if (card && (event.key === "n" || event.key === "N")) {
      event.preventDefault();
      openAdd(card.closest("td.cell"), target);
    } else if (card && event.key === "Delete") {
      event.preventDefault();
      deleteCard(card);
    }
  });

  // --- Start ----------------------------------------------------------------------------------

  // At phone width the buttons seldom needed wait in the Project menu, so that the board starts on the
  // first screen. They are moved, not copied: their ids, listeners and counts stay theirs.
  (function foldIntoProjectMenu() {
    var menu = document.querySelector(".project-menu");
    var list = menu && menu.querySelector(".export-list");
    if (!list) {
      return;
    }
    var narrow = window.matchMedia("(max-width: 760px)");
    var homes = ["#trash-link", "[data-quality-open]", ".generate-link"]
      .map(function (selector) {
        return document.querySelector(selector);
      })
      .filter(Boolean)
      .map(function (element) {
        return { element: element, parent: element.parentNode, next: element.nextSibling, item: null };
      });
    function fold() {
      homes.slice().reverse().forEach(function (home) {
        if (narrow.matches && !home.item) {
          home.item = document.createElement("li");
          home.item.className = "project-menu__folded";
          list.insertBefore(home.item, list.firstChild);
          home.item.appendChild(home.element);
        } else if (!narrow.matches && home.item) {
          home.parent.insertBefore(home.element, home.next);
          home.item.remove();
          home.item = null;
        }
      });
    }
    list.addEventListener("click", function (event) {
      if (event.target.closest(".project-menu__folded")) {
        menu.open = false;
      }
    });
    narrow.addEventListener("change", fold);
    fold();
  })();

  board.setUpGridNow();
  refreshHistory();
  // A jump to a card (after a save without JavaScript, or a link) lands it below the sticky headers,
  // with the page's messages still in sight.
  var jump = window.location.hash.slice(1);
  if (/^(story|step|activity|release)-\d+$/.test(jump) && document.getElementById(jump)) {
    window.scrollTo(0, 0);
    if (jump.indexOf("story-") === 0) {
      currentCardId = jump;
      setRovingStop(document.getElementById("board-grid"));
    }
    board.focusElement(jump);
  }
})();
