// Comments on a card, in the board's card panel: read, post and delete them through the JSON API
// (/api/v1/stories/{id}/comments/, /api/v1/comments/{id}/). workspace.js mounts them when the panel
// opens. Every text people wrote reaches the page as textContent, never as HTML. Viewers, who cannot
// change the card, can comment all the same. The card's own page has the same without JavaScript.
(function () {
  "use strict";

  window.mapwright = window.mapwright || {};

  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;

  function ago(iso) {
    var seconds = (Date.now() - new Date(iso).getTime()) / 1000;
    if (!relative || !isFinite(seconds)) {
      return new Date(iso).toLocaleString();
    }
    for (var index = 0; index < UNITS.length; index++) {
      if (seconds >= UNITS[index][1]) {
        return relative.format(-Math.floor(seconds / UNITS[index][1]), UNITS[index][0]);
      }
    }
    return "just now";
  }

  var element = window.mapwright.element;

  function problemOf(result) {
    var data = result.data || {};
    if (Array.isArray(data.body)) {
      return data.body.join(" ");
    }
    if (typeof data.detail === "string") {
      return data.detail;
    }
    return "The server refused it (" + result.status + ").";
  }

  var request = window.mapwright.sendJSON;

  // Build the Comments section of story `storyId` into `container`; returns a handle whose
  // `changed` says whether a comment was posted or deleted (the board then redraws its count).
  function mount(container, options) {
    var api = options.api;
    var listUrl = api + "stories/" + options.storyId + "/comments/";
    var most = options.max || 4000;
    var handle = { changed: false };
    var uid = "comments-" + options.storyId;

    var section = element("section", "comments comments--panel");
    section.setAttribute("aria-labelledby", uid + "-heading");
    var heading = element("h3", "comments__heading", "Comments ");
    heading.id = uid + "-heading";
    var count = element("span", "count", "…");
    heading.appendChild(count);
    var list = element("ol", "comment-list");
    var empty = element("p", "muted comments__empty", "No comments yet. Ask a question or leave a note for the team.");
    empty.hidden = true;
    var status = element("p", "comments__status");
    status.setAttribute("role", "status");

    var form = element("form", "comment-form");
    form.noValidate = true;
    var field = element("div", "field");
    var label = element("label", "", "Add a comment");
    label.htmlFor = uid + "-body";
    var textarea = element("textarea");
    textarea.id = uid + "-body";
    textarea.name = "body";
    textarea.rows = 3;
    textarea.maxLength = most;
    var error = element("p", "errorlist comment-form__error");
    error.id = uid + "-error";
    error.hidden = true;
    var counter = element("p", "helptext comment-form__counter");
    counter.id = uid + "-counter";
    textarea.setAttribute("aria-describedby", counter.id + " " + error.id);
    field.append(label, error, textarea, counter);
    var actions = element("div", "comment-form__actions");
    var post = element("button", "button button--small", "Post comment");
    post.type = "submit";
    actions.appendChild(post);
    form.append(field, actions);

    section.append(heading, status, list, empty, form);
    container.replaceChildren(section);

    function showCount() {
      var total = list.children.length;
      count.textContent = String(total);
      empty.hidden = total > 0;
    }

    function showCounter() {
      var length = textarea.value.trim().length;
      counter.textContent = length.toLocaleString() + " / " + most.toLocaleString() + " characters";
      counter.classList.toggle("comment-form__counter--over", length > most);
    }

    function showError(text) {
      error.textContent = text || "";
      error.hidden = !text;
      field.classList.toggle("field--invalid", Boolean(text));
      if (text) {
        textarea.setAttribute("aria-invalid", "true");
      } else {
        textarea.removeAttribute("aria-invalid");
      }
    }

    function row(comment) {
      var item = element("li", "comment");
      item.id = uid + "-" + comment.id;
      var meta = element("p", "comment__meta");
      var author = comment.author;
      var avatar = element("span", "comment__avatar", author ? author.initials : "?");
      avatar.setAttribute("aria-hidden", "true");
      var name = element("strong", "comment__author", author ? author.full_name : "A former member");
      var time = element("time", "", ago(comment.created));
      time.dateTime = comment.created;
      time.title = new Date(comment.created).toLocaleString();
      meta.append(avatar, name, time);
      item.append(meta, element("p", "comment__body", comment.body));
      if (comment.can_delete) {
        var remove = element("button", "link-danger comment__delete", "Delete");
        remove.type = "button";
        remove.setAttribute("aria-label", "Delete the comment by " + name.textContent + ", " + time.textContent);
        remove.addEventListener("click", function () { removeComment(comment, item, remove); });
        item.appendChild(remove);
      }
      return item;
    }

    function removeComment(comment, item, button) {
      if (!window.confirm("Delete this comment?")) {
        return;
      }
      button.disabled = true;
      request("DELETE", api + "comments/" + comment.id + "/").then(function (result) {
        if (!result.ok && result.status !== 404) {
          button.disabled = false;
          status.textContent = "Not deleted. " + problemOf(result);
          return;
        }
        handle.changed = true;
        item.remove();
        showCount();
        status.textContent = "Comment deleted.";
        textarea.focus();
      }).catch(function () {
        button.disabled = false;
        status.textContent = "Not deleted: the server could not be reached.";
      });
    }

    // Oldest first, a page at a time: follow `next` until the last page.
    function load(url, rows) {
      return request("GET", url).then(function (result) {
        if (!result.ok) {
          throw new Error(String(result.status));
        }
        var all = rows.concat(result.data.results || []);
        return result.data.next ? load(result.data.next, all) : all;
      });
    }

    load(listUrl, []).then(function (comments) {
      list.replaceChildren.apply(list, comments.map(row));
      showCount();
    }).catch(function () {
      count.textContent = "?";
      status.textContent = "The comments could not be loaded.";
    });

    textarea.addEventListener("input", function () {
      showCounter();
      if (!error.hidden) {
        showError("");
      }
    });
    textarea.addEventListener("keydown", function (event) {
      // Ctrl+Enter (⌘+Enter) posts, as in most comment boxes; Enter alone is a new line.
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = textarea.value.trim();
      if (!body) {
        showError("Write something first: the comment is empty.");
        textarea.focus();
        return;
      }
      if (body.length > most) {
        showError("A comment can have at most " + most.toLocaleString() + " characters.");
        textarea.focus();
        return;
      }
      post.disabled = true;
      request("POST", listUrl, { body: body }).then(function (result) {
        if (!result.ok) {
          showError(problemOf(result));
          textarea.focus();
          return;
        }
        handle.changed = true;
        list.appendChild(row(result.data));
        showCount();
        textarea.value = "";
        showCounter();
        showError("");
        status.textContent = "Comment posted.";
        textarea.focus();
      }).catch(function () {
        showError("Not posted: the server could not be reached. Your comment is still here.");
      }).finally(function () {
        post.disabled = false;
      });
    });
    showCounter();
    return handle;
  }

  window.mapwright.comments = { mount: mount };
})();
