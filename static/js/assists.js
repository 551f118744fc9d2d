// The AI assists on the board (issue 13): "Suggest stories" for a step and "Fill the gaps" for an activity
// (added to their "⋯" menus when a menu opens: the page carries nothing per step, for its byte budget),
// "Write criteria" and "Split story" in the card panel and as the "Check the map" fixes. Each asks the
// server for a proposal (…/suggest-stories/ and the like), shows it in one side panel, tickable and
// editable, with ghost cards and ghost steps drawn in place on the board, and nothing is written until
// "Accept selected". The grid is then fetched again (board.js's refreshGrid, as after any move).
// What models and people wrote reaches the page only as textContent.
(function () {
  "use strict";

  var page = document.querySelector(".board-page");
  var panel = document.getElementById("proposal-panel");
  var board = window.mapwright && window.mapwright.board;
  if (!page || !panel || !board || page.hasAttribute("data-readonly")) {
    return;
  }
  var api = page.dataset.api;
  var element = window.mapwright.element;
  var sendJSON = window.mapwright.sendJSON;
  var problemText = window.mapwright.problemText;
  var title = document.getElementById("proposal-title");
  var body = document.getElementById("proposal-body");
  var status = document.getElementById("proposal-status");
  var actions = panel.querySelector(".proposal-panel__actions");
  var acceptButton = panel.querySelector("[data-proposal-accept]");
  var rejectButton = panel.querySelector("[data-proposal-reject]");
  var narrow = window.matchMedia("(max-width: 700px)");

  var KINDS = {
    suggest_stories: { path: "steps/", action: "suggest-stories/", heading: "Suggested stories for " },
    fill_gaps: { path: "activities/", action: "fill-gaps/", heading: "Missing steps of " },
    suggest_criteria: { path: "stories/", action: "suggest-criteria/", heading: "Acceptance criteria for " },
    split: { path: "stories/", action: "split/", heading: "Split " },
  };
  var FALLBACK = {
    400: "Some of the edited fields were refused.",
    403: "Only the project's owner and editors can use the assists.",
    404: "That is no longer on this map: reload the page.",
    409: "These suggestions can no longer be accepted.",
    422: "There is nothing to suggest here.",
    429: "Too many suggestions asked for in a short time: wait a minute and try again.",
    502: "The AI server did not answer usefully: try again in a moment.",
  };
  var UNREACHABLE = "The server could not be reached. Check your connection and try again.";

  var pending = false;   // one request to the assists at a time, wherever it was asked from
  var shown = 0;         // which opening of the panel an answer belongs to: one closed meanwhile drops it
  var state = null;      // the open proposal: {proposal, items: [...], returnTo}

  function quoted(text) {
    return "“" + text + "”";
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  function failureText(result) {
    var data = result.data || {};
    // A refused accept names the bad field by item: {"items": [{}, {"title": ["…"]}]} or {"items": ["…"]}.
    if (result.status === 400 && data.items !== undefined) {
      var parts = [];
      (Array.isArray(data.items) ? data.items : [data.items]).forEach(function (problem, index) {
        if (problem && typeof problem === "object" && !Array.isArray(problem)) {
          var said = problemText(problem, "");
          if (said) {
            parts.push("Suggestion " + (index + 1) + ": " + said);
          }
        } else if (problem) {
          parts.push(Array.isArray(problem) ? problem.join(" ") : String(problem));
        }
      });
      if (parts.length) {
        return parts.join(" ");
      }
    }
    return problemText(data, FALLBACK[result.status] || "The server refused (" + result.status + ").");
  }

  // --- The panel ----------------------------------------------------------------------------------------

  function setStatus(text, isError) {
    status.textContent = text || "";
    status.classList.toggle("proposal-panel__status--error", Boolean(isError));
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function showPanel(heading, returnTo) {
    // One side panel at a time: "Check the map" steps aside (its own close keeps its button's state right).
    var quality = document.getElementById("quality-panel");
    if (quality && quality.open) {
      quality.close();
      var qualityOpener = document.querySelector("[data-quality-open]");
      if (qualityOpener) {
        qualityOpener.setAttribute("aria-expanded", "false");
      }
    }
    clearGhosts();
    state = null;
    title.textContent = heading;
    actions.hidden = true;
    setStatus("");
    panel.dataset.returnTo = returnTo || "";
    shown += 1;
    if (!panel.open) {
      panel.show();
    }
    panel.querySelector("[data-proposal-close]").focus();
  }

  function thinking() {
    panel.setAttribute("aria-busy", "true");
    var line = element("p", "proposal-thinking");
    line.append(element("span", "proposal-thinking__dot"), element("span", "", "Thinking…"));
    body.replaceChildren(line);
  }

  function showProblem(text) {
    panel.removeAttribute("aria-busy");
    body.replaceChildren(element("p", "callout callout--danger proposal-problem", text));
    actions.hidden = true;
  }

  // Closing leaves the proposal open on the server, where it expires by itself.
  function close(returnFocus) {
    if (!panel.open) {
      return;
    }
    clearGhosts();
    state = null;
    shown += 1;
    panel.close();
    panel.removeAttribute("aria-busy");
    var back = panel.dataset.returnTo;
    if (returnFocus !== false && back && document.getElementById(back)) {
      board.focusElement(back);
    }
  }

  // --- Asking -----------------------------------------------------------------------------------------------

  function request(kind, id) {
    return sendJSON("POST", api + KINDS[kind].path + id + "/" + KINDS[kind].action, {});
  }

  // Asked from a menu or from "Check the map": the panel opens at once and says it is thinking.
  function ask(kind, id, subject, returnTo, button) {
    if (pending || !KINDS[kind]) {
      return;
    }
    pending = true;
    if (button) {
      button.disabled = true;
    }
    showPanel(KINDS[kind].heading + quoted(subject), returnTo);
    thinking();
    var opening = shown;
    request(kind, id).then(function (result) {
      if (opening !== shown) {
        return;  // closed while thinking: the proposal stays open on the server and expires
      }
      if (result.ok) {
        render(result.data, returnTo);
      } else {
        showProblem(failureText(result));
      }
    }).catch(function () {
      if (opening === shown) {
        showProblem(UNREACHABLE);
      }
    }).finally(function () {
      pending = false;
      if (button) {
        button.disabled = false;
      }
    });
  }

  // --- Entries in the step and activity menus, made when a menu opens ---------------------------------------------

  function addMenuEntry(menu) {
    var menuPanel = menu.querySelector(".menu__panel");
    if (!menuPanel || menuPanel.querySelector(".menu__assist")) {
      return false;
    }
    var step = menu.closest("th.step[data-id]");
    var activity = step ? null : menu.closest(".activity-card[data-id]");
    if (!step && !activity) {
      return false;  // a release's menu
    }
    var button = element("button", "button button--small menu__assist-button",
      step ? "Suggest stories" : "Fill the gaps");
    button.type = "button";
    button.addEventListener("click", function () {
      menu.open = false;
      if (step) {
        ask("suggest_stories", step.dataset.id, board.titleOf(step.querySelector(".step-card")), step.id, button);
      } else {
        ask("fill_gaps", activity.dataset.id, activity.dataset.title, "activity-" + activity.dataset.id, button);
      }
    });
    var holder = element("p", "menu__assist");
    holder.append(button);
    menuPanel.prepend(holder);
    return true;
  }

  // Before the menu opens (a click or Enter on its summary), so that workspace.js measures it with the entry in.
  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("details.menu > summary");
    if (summary) {
      addMenuEntry(summary.parentElement);
    }
  }, true);
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (menu instanceof HTMLDetailsElement && menu.open && menu.matches("details.menu") && addMenuEntry(menu)) {
      window.dispatchEvent(new Event("resize"));  // workspace.js places open menus again on resize
    }
  }, true);

  // --- Entries in the card panel -------------------------------------------------------------------------------

  var storyPanel = document.getElementById("story-panel");
  var cardBar = null;

  function setUpCardBar() {
    var panelBody = document.getElementById("story-panel-body");
    if (!storyPanel || !panelBody) {
      return;
    }
    cardBar = element("div", "story-panel__assists");
    cardBar.setAttribute("role", "group");
    cardBar.setAttribute("aria-label", "AI assists");
    var criteria = element("button", "button button--ghost button--small", "Write criteria");
    var split = element("button", "button button--ghost button--small", "Split story");
    criteria.type = split.type = "button";
    var said = element("p", "story-panel__assists-status");
    said.id = "story-assist-status";
    said.setAttribute("role", "status");
    cardBar.append(criteria, split, said);
    criteria.addEventListener("click", function () { askFromCard("suggest_criteria"); });
    split.addEventListener("click", function () { askFromCard("split"); });
    panelBody.before(cardBar);
    storyPanel.addEventListener("close", resetCardBar);
  }

  function resetCardBar() {
    if (!cardBar) {
      return;
    }
    cardBar.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
    var said = cardBar.querySelector(".story-panel__assists-status");
    said.textContent = "";
    said.classList.remove("story-panel__assists-status--error");
    said.setAttribute("role", "status");
  }

  // From the card panel (modal): thinking and a refusal ("small enough already") are shown there, by its
  // buttons; a proposal closes the card panel and opens the side panel.
  function askFromCard(kind) {
    var cardId = board.openCardId ? board.openCardId() : null;
    if (pending || !cardId) {
      return;
    }
    var card = document.getElementById(cardId);
    var subject = card ? board.titleOf(card) : "this story";
    var said = cardBar.querySelector(".story-panel__assists-status");
    var buttons = cardBar.querySelectorAll("button");
    pending = true;
    buttons.forEach(function (button) { button.disabled = true; });
    said.classList.remove("story-panel__assists-status--error");
    said.setAttribute("role", "status");
    said.textContent = "Thinking…";
    request(kind, cardId.slice("story-".length)).then(function (result) {
      if (board.openCardId() !== cardId) {
        return;  // the card panel was closed (or moved to another card) while thinking: drop the answer
      }
      if (!result.ok) {
        said.setAttribute("role", "alert");
        said.classList.add("story-panel__assists-status--error");
        said.textContent = failureText(result);
        buttons.forEach(function (button) { button.disabled = false; });
        return;
      }
      // After the card panel's own close handling, which puts the focus back on the card.
      storyPanel.addEventListener("close", function () {
        showPanel(KINDS[kind].heading + quoted(subject), cardId);
        render(result.data, cardId);
      }, { once: true });
      storyPanel.close();
    }).catch(function () {
      if (board.openCardId() !== cardId) {
        return;
      }
      said.setAttribute("role", "alert");
      said.classList.add("story-panel__assists-status--error");
      said.textContent = UNREACHABLE;
      buttons.forEach(function (button) { button.disabled = false; });
    }).finally(function () {
      pending = false;
    });
  }

  // --- Drawing a proposal ------------------------------------------------------------------------------------------

  function field(labelText, id, value, multiline, rows) {
    var wrapper = element("div", "proposal-field");
    var label = element("label", "", labelText);
    label.htmlFor = id;
    var input = element(multiline ? "textarea" : "input");
    input.id = id;
    if (multiline) {
      input.rows = rows || 2;
    } else {
      input.type = "text";
    }
    input.value = value;
    wrapper.append(label, input);
    return { wrapper: wrapper, input: input };
  }

  function pick(labelText, onChange) {
    var label = element("label", "proposal-pick");
    var box = element("input");
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", onChange);
    label.append(box, element("span", "", labelText));
    return { label: label, box: box };
  }

  function chips(story) {
    var line = element("p", "proposal-chips");
    if (story.priority) {
      line.append(element("span", "chip chip--" + story.priority,
        story.priority.charAt(0).toUpperCase() + story.priority.slice(1)));
    }
    if (story.estimate !== null && story.estimate !== undefined) {
      line.append(element("span", "chip chip--points", plural(story.estimate, "pt", "pts")));
    }
    if (story.persona) {
      line.append(element("span", "chip chip--persona", story.persona));
    }
    line.append(element("span", "chip", story.release || "Unplanned"));
    return line;
  }

  function linesOf(text) {
    return text.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
  }

  function criteriaList(criteria, emptyText) {
    if (!criteria || !criteria.length) {
      return element("p", "muted", emptyText);
    }
    var list = element("ul", "proposal-criteria");
    criteria.forEach(function (text) { list.append(element("li", "", text)); });
    return list;
  }

  // One story, editable: its tick, title, description and criteria (suggest_stories' cards, split's parts).
  function storyEditor(story, index, noun) {
    var entry = { index: index, item: story };
    var row = element("li", "proposal-item");
    var prefix = "proposal-" + index + "-";
    var choice = pick((noun === "part" ? "Keep part " : "Add story ") + (index + 1), function () {
      row.classList.toggle("is-unticked", !choice.box.checked);
      drawGhosts();
    });
    var name = field("Title", prefix + "title", story.title || "", false);
    var description = field("Description", prefix + "description", story.description || "", true, 3);
    var criteria = field("Acceptance criteria, one per line", prefix + "criteria",
      (story.acceptance_criteria || []).join("\n"), true, 3);
    name.input.addEventListener("input", drawGhosts);
    row.append(choice.label, name.wrapper, description.wrapper, criteria.wrapper, chips(story));
    entry.row = row;
    entry.box = choice.box;
    entry.edits = function () {
      var out = {};
      if (name.input.value.trim() !== (story.title || "")) {
        out.title = name.input.value.trim();
      }
      if (description.input.value.trim() !== (story.description || "").trim()) {
        out.description = description.input.value.trim();
      }
      var now = linesOf(criteria.input.value);
      if (now.join("\n") !== (story.acceptance_criteria || []).join("\n")) {
        out.acceptance_criteria = now;
      }
      return out;
    };
    entry.title = function () { return name.input.value.trim() || story.title || ""; };
    return entry;
  }

  function section(heading, className) {
    var holder = element("section", "proposal-section" + (className ? " " + className : ""));
    holder.append(element("h3", "proposal-section__title", heading));
    return holder;
  }

  function renderStories(proposal) {
    var list = element("ol", "proposal-list");
    var items = proposal.items.map(function (story, index) {
      var entry = storyEditor(story, index, "story");
      list.append(entry.row);
      return entry;
    });
    var part = section(plural(items.length, "suggested story", "suggested stories"));
    part.append(list);
    return { parts: [part], items: items };
  }

  function renderSplit(proposal) {
    var before = proposal.before || {};
    var now = section("Before: the story now", "proposal-section--before");
    var card = element("div", "proposal-before");
    card.append(element("p", "proposal-before__title", before.title || ""));
    if (before.description) {
      card.append(element("p", "proposal-before__text", before.description));
    }
    card.append(criteriaList(before.acceptance_criteria, "No acceptance criteria."));
    if (before.estimate !== null && before.estimate !== undefined) {
      var size = element("p", "proposal-chips");
      size.append(element("span", "chip chip--points", plural(before.estimate, "pt", "pts")));
      card.append(size);
    }
    now.append(card);
    var after = section("After: " + plural(proposal.items.length, "part", "parts"), "proposal-section--after");
    after.append(element("p", "muted proposal-hint",
      "The first part you keep rewrites this card (its comments and release stay); the others are added after it."));
    var list = element("ol", "proposal-list");
    var items = proposal.items.map(function (story, index) {
      var entry = storyEditor(story, index, "part");
      list.append(entry.row);
      return entry;
    });
    after.append(list);
    return { parts: [now, after], items: items, atLeast: 2 };
  }

  function renderCriteria(proposal) {
    var before = proposal.before || {};
    var now = section("Before: its criteria now", "proposal-section--before");
    now.append(criteriaList(before.acceptance_criteria, "No acceptance criteria yet."));
    var after = section("After", "proposal-section--after");
    var list = element("ul", "proposal-list proposal-list--criteria");
    (before.acceptance_criteria || []).forEach(function (text) {
      list.append(element("li", "proposal-kept", text));
    });
    var items = proposal.items.map(function (criterion, index) {
      var row = element("li", "proposal-item proposal-item--new");
      var choice = pick("Add criterion " + (index + 1), function () {
        row.classList.toggle("is-unticked", !choice.box.checked);
      });
      choice.label.append(element("span", "proposal-new", "New"));
      var text = field("Criterion " + (index + 1), "proposal-" + index + "-text", criterion.text || "", true, 2);
      text.wrapper.classList.add("proposal-field--bare");
      text.wrapper.querySelector("label").className = "visually-hidden";
      row.append(choice.label, text.wrapper);
      list.append(row);
      return {
        index: index, item: criterion, row: row, box: choice.box,
        edits: function () {
          var value = text.input.value.trim();
          return value !== (criterion.text || "") ? { text: value } : {};
        },
        title: function () { return text.input.value.trim(); },
      };
    });
    after.append(list);
    return { parts: [now, after], items: items };
  }

  function activitySteps(activityId) {
    return Array.prototype.slice.call(document.querySelectorAll(
      "#board-grid tr.board__steps th.step[data-id][data-activity='" + activityId + "']"));
  }

  function placeText(position, activityId) {
    var steps = activitySteps(activityId);
    var titleAt = function (th) { return quoted(board.titleOf(th.querySelector(".step-card"))); };
    if (!steps.length) {
      return "The activity's first step.";
    }
    if (position <= 0) {
      return "Before " + titleAt(steps[0]) + ".";
    }
    if (position >= steps.length) {
      return "After " + titleAt(steps[steps.length - 1]) + ".";
    }
    return "Between " + titleAt(steps[position - 1]) + " and " + titleAt(steps[position]) + ".";
  }

  function renderGaps(proposal) {
    var activityId = proposal.target.id;
    var list = element("ol", "proposal-list");
    var items = proposal.items.map(function (gap, index) {
      var row = element("li", "proposal-item");
      var prefix = "proposal-" + index + "-";
      var choice = pick("Add step " + (index + 1), function () {
        row.classList.toggle("is-unticked", !choice.box.checked);
        drawGhosts();
      });
      var name = field("Step", prefix + "title", gap.title || "", false);
      var description = field("Description", prefix + "description", gap.description || "", true, 2);
      name.input.addEventListener("input", drawGhosts);
      row.append(choice.label, element("p", "proposal-place", placeText(gap.position, activityId)),
        name.wrapper, description.wrapper);
      var stories = gap.stories || [];
      row.append(element("p", "proposal-sub", "With " + plural(stories.length, "story", "stories") +
        (stories.length ? ":" : ".")));
      if (stories.length) {
        var cards = element("ul", "proposal-cards");
        stories.forEach(function (story) {
          var card = element("li", "proposal-card");
          card.append(element("span", "proposal-card__title", story.title || ""), chips(story));
          cards.append(card);
        });
        row.append(cards);
      }
      list.append(row);
      return {
        index: index, item: gap, row: row, box: choice.box,
        edits: function () {
          var out = {};
          if (name.input.value.trim() !== (gap.title || "")) {
            out.title = name.input.value.trim();
          }
          if (description.input.value.trim() !== (gap.description || "").trim()) {
            out.description = description.input.value.trim();
          }
          return out;
        },
        title: function () { return name.input.value.trim() || gap.title || ""; },
      };
    });
    var part = section(plural(items.length, "missing step", "missing steps"));
    part.append(list);
    return { parts: [part], items: items };
  }

  var RENDERERS = {
    suggest_stories: renderStories, split: renderSplit, suggest_criteria: renderCriteria, fill_gaps: renderGaps,
  };

  function render(proposal, returnTo) {
    panel.removeAttribute("aria-busy");
    var renderer = RENDERERS[proposal && proposal.kind];
    if (!renderer || !Array.isArray(proposal.items)) {
      showProblem("The server's answer could not be read: close the panel and try again.");
      return;
    }
    var drawn = renderer(proposal);
    state = { proposal: proposal, items: drawn.items, atLeast: drawn.atLeast || 1, returnTo: returnTo };
    var source = proposal.provider === "openai" ? "an AI model" : "the built-in planner";
    var intro = element("p", "muted proposal-intro",
      "Suggested by " + source + ". Untick what you do not want and edit the rest: nothing changes until you accept.");
    body.replaceChildren.apply(body, [intro].concat(drawn.parts));
    body.scrollTop = 0;
    actions.hidden = false;
    acceptButton.disabled = false;
    rejectButton.disabled = false;
    setStatus("");
    drawGhosts();
  }

  // --- Ghosts on the board: what the proposal would add, where it would go ------------------------------------------

  function clearGhosts() {
    document.querySelectorAll("[data-ghost]").forEach(function (ghost) { ghost.remove(); });
    document.querySelectorAll("[data-ghost-span]").forEach(function (cell) {
      cell.setAttribute("colspan", cell.dataset.ghostSpan);
      cell.removeAttribute("data-ghost-span");
    });
  }

  function widen(cell) {
    if (!cell.hasAttribute("data-ghost-span")) {
      cell.dataset.ghostSpan = cell.getAttribute("colspan") || "1";
    }
    cell.setAttribute("colspan", String(Number(cell.getAttribute("colspan") || "1") + 1));
  }

  // The row a story would land in: its release's, else Unplanned.
  function rowFor(grid, releaseName) {
    var rows = Array.prototype.slice.call(grid.querySelectorAll("tbody.release"));
    for (var i = 0; i < rows.length; i += 1) {
      var name = rows[i].querySelector(".release-bar__name");
      if (releaseName && rows[i].dataset.id && name && name.textContent.trim() === releaseName) {
        return rows[i];
      }
    }
    return grid.querySelector("tbody.release--unplanned") || rows[rows.length - 1] || null;
  }

  function ghostCard(story, titleText) {
    var ghost = element("div", "ghost-card p-" + (story.priority || "should"));
    ghost.dataset.ghost = "";
    ghost.setAttribute("aria-hidden", "true");
    ghost.append(element("span", "ghost-tag", "Suggested"), element("span", "ghost-card__title", titleText));
    return ghost;
  }

  function drawStoryGhosts(grid) {
    var stepId = String(state.proposal.target.id);
    state.items.forEach(function (entry) {
      if (!entry.box.checked) {
        return;
      }
      var row = rowFor(grid, entry.item.release);
      var list = row && row.querySelector("td.cell[data-step='" + stepId + "'] .cell__stories");
      if (list) {
        list.append(ghostCard(entry.item, entry.title()));
      }
    });
  }

  function drawStepGhosts(grid) {
    var activityId = String(state.proposal.target.id);
    var stepsRow = grid.querySelector("tr.board__steps");
    var header = grid.querySelector("th.activity[data-id='" + activityId + "']");
    if (!stepsRow || !header) {
      return;
    }
    var collapsed = header.classList.contains("is-collapsed");
    var steps = activitySteps(activityId);
    var own = Array.prototype.filter.call(stepsRow.children, function (th) {
      return th.dataset.activity === activityId;
    });
    var endAnchor = own[own.length - 1] || null;
    state.items.forEach(function (entry) {
      if (!entry.box.checked || !endAnchor) {
        return;
      }
      var th = element("th", "step ghost-step");
      th.dataset.ghost = "";
      th.setAttribute("aria-hidden", "true");
      var card = element("div", "step-card ghost-step__card");
      card.append(element("span", "ghost-tag", "Suggested"), element("span", "step-card__title", entry.title()));
      th.append(card);
      var before = steps[entry.item.position];
      if (before && entry.item.position >= 0) {
        before.before(th);
      } else {
        endAnchor.after(th);
        endAnchor = th;
      }
      th.hidden = collapsed;
      var column = Array.prototype.indexOf.call(stepsRow.children, th);
      grid.querySelectorAll("tr.release__cells").forEach(function (cells) {
        var td = element("td", "cell ghost-cell");
        td.dataset.ghost = "";
        td.setAttribute("aria-hidden", "true");
        td.hidden = collapsed;
        td.append(element("div", "cell__stories"));
        cells.insertBefore(td, cells.children[column] || null);
      });
      (entry.item.stories || []).forEach(function (story) {
        var row = rowFor(grid, story.release);
        var cell = row && row.querySelector("tr.release__cells").children[column];
        if (cell && cell.matches(".ghost-cell")) {
          cell.firstChild.append(ghostCard(story, story.title || ""));
        }
      });
      if (!collapsed) {
        widen(header);
        grid.querySelectorAll("tr.release__header > th").forEach(widen);
      }
    });
  }

  function drawGhosts() {
    clearGhosts();
    var grid = document.getElementById("board-grid");
    if (!state || !grid) {
      return;
    }
    if (state.proposal.kind === "suggest_stories") {
      drawStoryGhosts(grid);
    } else if (state.proposal.kind === "fill_gaps") {
      drawStepGhosts(grid);
    }
    // The first ghost in sight, so that one sees where the proposal goes.
    var first = grid.querySelector("[data-ghost]");
    if (first && board.reveal && !narrow.matches) {
      board.reveal(first);
    }
  }

  // Someone else's change (live.js) or one's own redraws the grid: the ghosts come back on the fresh one.
  page.addEventListener("board:changed", function () {
    if (state && panel.open) {
      drawGhosts();
    }
  });

  // --- Accepting and rejecting ---------------------------------------------------------------------------------------

  function doneText(proposal, data) {
    var stories = (data.stories || []).length;
    var steps = (data.steps || []).length;
    var subject = quoted(proposal.target.title || "");
    var text;
    if (proposal.kind === "suggest_criteria") {
      text = "Added " + plural(state.chosen, "criterion", "criteria") + " to " + subject;
    } else if (proposal.kind === "split") {
      text = "Split " + subject + " into " + plural(stories, "story", "stories");
    } else if (proposal.kind === "fill_gaps") {
      text = "Added " + plural(steps, "step", "steps") + " and " + plural(stories, "story", "stories");
    } else {
      text = "Added " + plural(stories, "story", "stories");
    }
    return text + (data.undo ? " · Undo with Ctrl+Z" : "");
  }

  function focusAfter(proposal, data) {
    if (data.stories && data.stories.length) {
      return "story-" + data.stories[0];
    }
    if (data.steps && data.steps.length) {
      return "step-" + data.steps[0];
    }
    return proposal.target.type + "-" + proposal.target.id;
  }

  function accept() {
    if (!state || pending) {
      return;
    }
    var chosen = state.items.filter(function (entry) { return entry.box.checked; });
    if (chosen.length < state.atLeast) {
      setStatus(state.atLeast > 1 ? "Keep at least two parts, or reject the split." :
        "Tick at least one suggestion, or reject them all.", true);
      return;
    }
    var items = chosen.map(function (entry) {
      var out = entry.edits();
      out.index = entry.index;
      return out;
    });
    var current = state;
    current.chosen = chosen.length;
    pending = true;
    acceptButton.disabled = rejectButton.disabled = true;
    setStatus("Saving…");
    sendJSON("POST", api + "proposals/" + current.proposal.id + "/accept/", { items: items }).then(function (result) {
      if (!result.ok) {
        setStatus(failureText(result), true);
        // Expired, applied, rejected or stale: accepting again cannot work; Reject or close still can.
        acceptButton.disabled = result.status === 409;
        rejectButton.disabled = result.status === 409 && result.data && result.data.code !== "expired" &&
          result.data.code !== "stale";
        return null;
      }
      var data = result.data || {};
      var text = doneText(current.proposal, data);
      var focus = focusAfter(current.proposal, data);
      clearGhosts();
      state = null;
      panel.close();
      if (board.showHistory) {
        board.showHistory({ undo: data.undo || null, redo: data.redo || null });
      }
      return board.refreshGrid(focus).then(function () {
        board.say(text);
      });
    }).catch(function () {
      setStatus(UNREACHABLE, true);
      acceptButton.disabled = rejectButton.disabled = false;
    }).finally(function () {
      pending = false;
    });
  }

  function reject() {
    if (!state || pending) {
      return;
    }
    var current = state;
    pending = true;
    acceptButton.disabled = rejectButton.disabled = true;
    setStatus("Rejecting…");
    sendJSON("POST", api + "proposals/" + current.proposal.id + "/reject/", {}).then(function (result) {
      if (!result.ok) {
        setStatus(failureText(result), true);
        rejectButton.disabled = false;
        acceptButton.disabled = result.status === 409;
        return;
      }
      close();
      board.say("Suggestions rejected: the map is unchanged.");
    }).catch(function () {
      setStatus(UNREACHABLE, true);
      acceptButton.disabled = rejectButton.disabled = false;
    }).finally(function () {
      pending = false;
    });
  }

  acceptButton.addEventListener("click", accept);
  rejectButton.addEventListener("click", reject);
  panel.querySelector("[data-proposal-close]").addEventListener("click", function () { close(); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  // "Check the map" opened: this panel steps aside, as that one does for this.
  document.querySelectorAll("[data-quality-open]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (panel.open) {
        close(false);
      }
    });
  });

  setUpCardBar();

  // quality.js's "Split" and "Write criteria" fixes ask through here.
  window.mapwright.assists = {
    ask: function (kind, storyId, subject) {
      ask(kind, storyId, subject, "story-" + storyId, null);
    },
  };
})();
