// The board's Share dialog (the owner's) and "Leave project" (a member's), over the JSON API:
// invite by email, change roles, remove, hand over ownership, re-send or cancel invitations, and
// the read-only link. User text only ever reaches the page as textContent.
(function () {
  "use strict";

  var DAY = 24 * 60 * 60 * 1000;

  var sendJSON = window.mapwright.sendJSON;
  var el = window.mapwright.element;

  // What a refused request says: DRF answers {"detail": …} or {"field": ["…"]}.
  var problemText = window.mapwright.problemText;

  function showError(element, text) {
    element.textContent = text || "";
    element.hidden = !text;
  }


  // --- Leaving a project (editors and viewers) -------------------------------------------------

  document.querySelectorAll("[data-leave-project]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!window.confirm("Leave “" + button.dataset.projectName + "”? You will no longer see this map.")) {
        return;
      }
      sendJSON("DELETE", button.dataset.leaveProject).then(function (result) {
        if (result.ok) {
          window.location.assign(button.dataset.after);
        } else {
          window.alert(problemText(result.data, "You could not leave the project. Try again."));
        }
      }).catch(function () {
        window.alert("You could not leave the project: the server did not answer.");
      });
    });
  });

  // --- The Share dialog (the owner's) ----------------------------------------------------------

  var dialog = document.getElementById("share-dialog");
  var opener = document.querySelector("[data-share-open]");
  if (!dialog || !opener) {
    return;
  }
  var membersUrl = dialog.dataset.membersUrl;
  var invitationsUrl = dialog.dataset.invitationsUrl;
  var shareUrl = dialog.dataset.shareUrl;
  var ownerUrl = dialog.dataset.ownerUrl;
  var people = document.getElementById("share-people");
  var ownerRow = people.querySelector(".share-person--owner");
  var peopleError = document.getElementById("share-people-error");
  var inviteForm = document.getElementById("share-invite");
  var emailInput = document.getElementById("share-email");
  var roleSelect = document.getElementById("share-role");
  var roles = Array.prototype.map.call(roleSelect.options, function (option) {
    return { value: option.value, label: option.textContent };
  });
  var linkState = document.getElementById("share-link-state");
  var linkRow = document.getElementById("share-link-url-row");
  var linkInput = document.getElementById("share-link-url");
  var linkCopy = document.getElementById("share-link-copy");
  var linkCreate = document.getElementById("share-link-create");
  var linkRevoke = document.getElementById("share-link-revoke");
  var linkError = document.getElementById("share-link-error");

  function fieldErrors(data) {
    inviteForm.querySelectorAll("[data-error-for]").forEach(function (holder) {
      var messages = data && data[holder.dataset.errorFor];
      showError(holder, messages ? (Array.isArray(messages) ? messages.join(" ") : String(messages)) : "");
      var input = inviteForm.elements[holder.dataset.errorFor];
      if (input) {
        input.setAttribute("aria-invalid", messages ? "true" : "false");
      }
    });
  }

  function expiresText(iso) {
    var days = Math.ceil((new Date(iso).getTime() - Date.now()) / DAY);
    if (days <= 1) {
      return "Invited · expires within a day";
    }
    return "Invited · expires in " + days + " days";
  }

  function act(promise, after) {
    showError(peopleError, "");
    return promise.then(function (result) {
      if (!result.ok) {
        showError(peopleError, problemText(result.data, "That did not work. Try again."));
        return loadPeople();
      }
      return after ? after(result) : loadPeople();
    }).catch(function () {
      showError(peopleError, "The server did not answer. Try again.");
    });
  }

  function roleSelectFor(member) {
    var select = el("select", "share-person__role-select");
    select.setAttribute("aria-label", "Role of " + (member.full_name || member.email));
    roles.forEach(function (role) {
      var option = el("option", "", role.label);
      option.value = role.value;
      option.selected = role.value === member.role;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      act(sendJSON("PATCH", membersUrl + member.id + "/", { role: select.value }));
    });
    return select;
  }

  function memberRow(member) {
    var row = el("li", "share-person");
    row.dataset.email = member.email;
    var who = el("span", "share-person__who");
    who.appendChild(el("strong", "", member.full_name || member.email));
    if (member.full_name) {
      who.appendChild(document.createTextNode(" "));
      who.appendChild(el("span", "share-person__email", member.email));
    }
    row.appendChild(who);
    var actions = el("span", "share-person__actions");
    actions.appendChild(roleSelectFor(member));
    if (member.role === "editor") {
      var makeOwner = el("button", "link-button", "Make owner");
      makeOwner.type = "button";
      makeOwner.addEventListener("click", function () {
        var name = member.full_name || member.email;
        if (!window.confirm("Make " + name + " the owner of this project? You will become an editor, and only they will manage its members and its link.")) {
          return;
        }
        act(sendJSON("POST", ownerUrl, { member_id: member.id }), function () {
          // No longer the owner: the board is reloaded in an editor's shape.
          window.location.reload();
        });
      });
      actions.appendChild(makeOwner);
    }
    var remove = el("button", "link-danger", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", "Remove " + (member.full_name || member.email));
    remove.addEventListener("click", function () {
      if (!window.confirm("Remove " + (member.full_name || member.email) + " from this project? They are told by email.")) {
        return;
      }
      act(sendJSON("DELETE", membersUrl + member.id + "/"));
    });
    actions.appendChild(remove);
    row.appendChild(actions);
    return row;
  }

  function invitationRow(invitation) {
    var row = el("li", "share-person share-person--invited");
    row.dataset.email = invitation.email;
    var who = el("span", "share-person__who");
    who.appendChild(el("strong", "", invitation.email));
    who.appendChild(document.createTextNode(" "));
    var roleName = roles.filter(function (role) { return role.value === invitation.role; })[0];
    who.appendChild(el("span", "share-person__email", (roleName ? roleName.label : invitation.role) + " · "));
    who.appendChild(el("span", "share-person__status", expiresText(invitation.expires)));
    row.appendChild(who);
    var actions = el("span", "share-person__actions");
    var resend = el("button", "link-button", "Re-send");
    resend.type = "button";
    resend.setAttribute("aria-label", "Re-send the invitation to " + invitation.email);
    resend.addEventListener("click", function () {
      act(sendJSON("POST", invitationsUrl + invitation.id + "/resend/"), function () {
        return loadPeople().then(function () { showError(peopleError, ""); say("Invitation sent again to " + invitation.email + "."); });
      });
    });
    var cancel = el("button", "link-danger", "Cancel");
    cancel.type = "button";
    cancel.setAttribute("aria-label", "Cancel the invitation to " + invitation.email);
    cancel.addEventListener("click", function () {
      if (!window.confirm("Cancel the invitation to " + invitation.email + "?")) {
        return;
      }
      act(sendJSON("DELETE", invitationsUrl + invitation.id + "/"));
    });
    actions.appendChild(resend);
    actions.appendChild(cancel);
    row.appendChild(actions);
    return row;
  }

  var statusLine = el("p", "share-status");
  statusLine.setAttribute("role", "status");
  peopleError.parentNode.insertBefore(statusLine, peopleError);

  function say(text) {
    statusLine.textContent = text;
  }

  function loadPeople() {
    return sendJSON("GET", membersUrl).then(function (result) {
      if (!result.ok || !Array.isArray(result.data)) {
        showError(peopleError, problemText(result.data, "The people of this project could not be loaded."));
        return;
      }
      people.replaceChildren(ownerRow);
      result.data.forEach(function (row) {
        people.appendChild(row.status === "invited" ? invitationRow(row) : memberRow(row));
      });
    });
  }

  inviteForm.addEventListener("submit", function (event) {
    event.preventDefault();
    fieldErrors(null);
    say("");
    var email = emailInput.value.trim();
    if (!email) {
      fieldErrors({ email: ["Enter the email address of the person to invite."] });
      emailInput.focus();
      return;
    }
    var submit = inviteForm.querySelector("[type=submit]");
    submit.disabled = true;
    sendJSON("POST", membersUrl, { email: email, role: roleSelect.value }).then(function (result) {
      if (!result.ok) {
        fieldErrors(result.data && (result.data.email || result.data.role) ? result.data : { email: [problemText(result.data, "The invitation was not sent.")] });
        emailInput.focus();
        return;
      }
      emailInput.value = "";
      var added = result.data;
      say(added.status === "invited"
        ? "Invitation sent to " + added.email + "."
        : (added.full_name || added.email) + " can now open this map.");
      return loadPeople();
    }).catch(function () {
      fieldErrors({ email: ["The server did not answer. Try again."] });
    }).finally(function () {
      submit.disabled = false;
    });
  });

  // --- The read-only link ---

  function showLink(state, url) {
    showError(linkError, "");
    linkRow.hidden = !url;
    linkInput.value = url || "";
    linkRevoke.hidden = !state.active;
    linkCreate.textContent = state.active ? "Replace link" : "Create link";
    if (url) {
      linkState.textContent = "Copy the link now: it is shown only this once. Replacing or revoking it stops it working.";
    } else if (state.active) {
      var since = new Date(state.created).toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" });
      linkState.textContent = "A link is active since " + since + ". It was shown when it was made; replace it to get a new one (the old one then stops working).";
    } else {
      linkState.textContent = "There is no link: only members see this map.";
    }
  }

  function loadLink() {
    return sendJSON("GET", shareUrl).then(function (result) {
      if (result.ok) {
        showLink(result.data);
      } else {
        showError(linkError, problemText(result.data, "The link could not be loaded."));
      }
    });
  }

  linkCreate.addEventListener("click", function () {
    if (!linkRevoke.hidden && !window.confirm("Replace the link? The current one stops working at once.")) {
      return;
    }
    sendJSON("POST", shareUrl).then(function (result) {
      if (result.ok) {
        showLink(result.data, result.data.url);
        linkInput.focus();
        linkInput.select();
      } else {
        showError(linkError, problemText(result.data, "The link was not made. Try again."));
      }
    }).catch(function () { showError(linkError, "The server did not answer. Try again."); });
  });

  linkRevoke.addEventListener("click", function () {
    if (!window.confirm("Revoke the read-only link? Anyone using it loses access at once.")) {
      return;
    }
    sendJSON("DELETE", shareUrl).then(function (result) {
      if (result.ok) {
        showLink({ active: false });
        linkCreate.focus();
      } else {
        showError(linkError, problemText(result.data, "The link was not revoked. Try again."));
      }
    }).catch(function () { showError(linkError, "The server did not answer. Try again."); });
  });

  linkCopy.addEventListener("click", function () {
    linkInput.select();
    var done = function () { linkCopy.textContent = "Copied"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(linkInput.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // --- Opening and closing: focus goes in, Escape closes, focus comes back to Share ---

  opener.addEventListener("click", function () {
    fieldErrors(null);
    showError(peopleError, "");
    say("");
    linkCopy.textContent = "Copy";
    dialog.showModal();
    emailInput.focus();
    loadPeople().catch(function () { showError(peopleError, "The server did not answer."); });
    loadLink().catch(function () { showError(linkError, "The server did not answer."); });
  });

  dialog.querySelector("[data-share-close]").addEventListener("click", function () { dialog.close(); });
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) {
      var box = dialog.getBoundingClientRect();
      var inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) {
        dialog.close();
      }
    }
  });
  dialog.addEventListener("close", function () {
    // The link is shown once: closing forgets it.
    linkInput.value = "";
    linkRow.hidden = true;
    opener.focus();
  });
})();
