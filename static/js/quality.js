// "Check the map": the side panel that lists the map quality check's findings (GET …/quality/),
// grouped by criterion, each opening what it is about: a card's panel at the field to fix, or a step,
// an activity or a persona on the board. The check's text only ever reaches the page as textContent.
(function () {
  "use strict";

  var page = document.querySelector(".board-page");
  var panel = document.getElementById("quality-panel");
  var opener = document.querySelector("[data-quality-open]");
  if (!page || !panel || !opener) {
    return;
  }
  var board = window.mapwright && window.mapwright.board;
  var url = page.dataset.api + "projects/" + page.dataset.project + "/quality/";
  var body = panel.querySelector(".quality-panel__body");
  var scoreLine = panel.querySelector(".quality-panel__score");
  var readonly = page.hasAttribute("data-readonly");
  var narrow = window.matchMedia("(max-width: 700px)");
  // "Split" and "Write criteria" ask the AI assists (assists.js) for a proposal; "Edit" opens the card at the field.
  var FIX_LABELS = { split: "Split", "write-criteria": "Write criteria", edit: "Edit" };
  var FIX_ASSISTS = { split: "split", "write-criteria": "suggest_criteria" };
  var requestNumber = 0;

  var element = window.mapwright.element;

  function percent(share) {
    return Math.round(share * 100) + "%";
  }

  function say(text, isError) {
    if (board && board.say) {
      board.say(text, isError);
    }
  }

  function run() {
    var number = ++requestNumber;
    scoreLine.textContent = "";
    body.replaceChildren(element("p", "muted", "Checking the map…"));
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        if (number === requestNumber) {
          render(data);
        }
      })
      .catch(function () {
        if (number === requestNumber) {
          body.replaceChildren(element("p", "callout callout--danger",
            "The check could not run: the server could not be reached or refused. Try again."));
        }
      });
  }

  function render(data) {
    var findings = data.findings || [];
    scoreLine.textContent = "Score " + percent(data.score) + " · " + findings.length + " finding" +
      (findings.length === 1 ? "" : "s");
    if (!findings.length) {
      body.replaceChildren(element("p", "quality-clean", "No findings: every check passes."));
      return;
    }
    var parts = [];
    var passing = [];
    (data.criteria || []).forEach(function (criterion) {
      var mine = findings.filter(function (finding) { return finding.criterion === criterion.key; });
      if (!mine.length) {
        passing.push(criterion.label);
        return;
      }
      var section = element("section", "quality-group");
      var heading = element("h3", "quality-group__title");
      heading.append(element("span", "", criterion.label),
        element("span", "quality-group__meta", mine.length + " · " + percent(criterion.score) + " pass"));
      section.append(heading);
      var list = element("ul", "quality-list");
      mine.forEach(function (finding) { list.append(item(finding)); });
      section.append(list);
      parts.push(section);
    });
    if (passing.length) {
      parts.push(element("p", "quality-passing muted", "Passing: " + passing.join(", ") + "."));
    }
    body.replaceChildren.apply(body, parts);
  }

  function kindOf(finding) {
    return finding.story_id ? "Card" : finding.step_id ? "Step" : finding.activity_id ? "Activity" : "Persona";
  }

  function item(finding) {
    var row = element("li", "quality-finding quality-finding--" + finding.severity);
    var link = element("button", "quality-finding__open");
    link.type = "button";
    link.append(element("span", "quality-finding__kind", kindOf(finding)),
      element("span", "quality-finding__subject", finding.subject),
      element("span", "quality-finding__message", finding.message));
    link.addEventListener("click", function () { open(finding, null); });
    row.append(link);
    if (finding.fix && finding.story_id && !readonly) {
      var fix = element("button", "button button--small quality-finding__fix", FIX_LABELS[finding.fix] || "Edit");
      fix.type = "button";
      fix.setAttribute("aria-label", (FIX_LABELS[finding.fix] || "Edit") + " “" + finding.subject + "”");
      fix.addEventListener("click", function () {
        var assists = window.mapwright.assists;
        if (assists && FIX_ASSISTS[finding.fix]) {
          assists.ask(FIX_ASSISTS[finding.fix], finding.story_id, finding.subject);
          return;
        }
        open(finding, finding.form_field);
      });
      row.append(fix);
    }
    return row;
  }

  // Once the card's panel has loaded its form, the field the fix is about takes the focus.
  function focusField(name) {
    var holder = document.getElementById("story-panel-body");
    if (!holder || !name) {
      return;
    }
    function tryFocus() {
      var field = holder.querySelector("[name='" + name + "']");
      if (field) {
        field.focus();
        if (field.select && field.tagName === "INPUT") {
          field.select();
        }
        return true;
      }
      return false;
    }
    if (tryFocus()) {
      return;
    }
    var observer = new MutationObserver(function () {
      if (tryFocus()) {
        observer.disconnect();
      }
    });
    observer.observe(holder, { childList: true, subtree: true });
    window.setTimeout(function () { observer.disconnect(); }, 10000);
  }

  function highlight(target) {
    target.classList.remove("is-flagged");
    void target.offsetWidth;  // restart the animation
    target.classList.add("is-flagged");
  }

  function open(finding, field) {
    if (finding.story_id) {
      var card = document.getElementById("story-" + finding.story_id);
      if (!card) {
        say("That card is no longer on the board: check the map again.", true);
        return;
      }
      if (board && board.focusElement) {
        board.focusElement(card.id);
      }
      // workspace.js opens a card's panel when its link is clicked, as on the board.
      card.querySelector("a").click();
      focusField(field || (readonly ? null : "title"));
      return;
    }
    var id = finding.step_id ? "step-" + finding.step_id : finding.activity_id ? "activity-" + finding.activity_id :
      "persona-" + finding.persona_id;
    var target = document.getElementById(id);
    if (!target) {
      say("That is no longer on the board: check the map again.", true);
      return;
    }
    if (narrow.matches) {
      close(false);
    }
    if (finding.persona_id) {
      var personas = target.closest("details.personas");
      var own = target.querySelector("details");
      if (personas) {
        personas.open = true;
      }
      if (own) {
        own.open = true;
      }
      var summary = target.querySelector("summary") || target;
      summary.scrollIntoView({ block: "center" });
      summary.focus();
      highlight(target);
      return;
    }
    var focused = board && board.focusElement ? board.focusElement(id) : null;
    if (!focused) {
      target.scrollIntoView({ block: "center", inline: "center" });
    }
    highlight(focused || target);
  }

  function show() {
    if (!panel.open) {
      panel.show();
    }
    opener.setAttribute("aria-expanded", "true");
    panel.querySelector("[data-quality-close]").focus();
    run();
  }

  function close(returnFocus) {
    if (panel.open) {
      panel.close();
    }
    opener.setAttribute("aria-expanded", "false");
    if (returnFocus !== false) {
      opener.focus();
    }
  }

  opener.addEventListener("click", function () {
    if (panel.open) {
      close();
    } else {
      show();
    }
  });
  panel.querySelector("[data-quality-close]").addEventListener("click", function () { close(); });
  panel.querySelector("[data-quality-run]").addEventListener("click", run);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
})();
