// Mapwright's site-wide behaviour. No inline handlers: the CSP forbids them.
(function () {
  "use strict";

  function setUpNavToggle() {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) {
      return;
    }
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("site-nav--open", !open);
    });
  }

  // Forms that destroy something ask first: <form data-confirm="Delete …?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // The CSRF token for fetch() calls made by later pages (the board).
  window.mapwright = window.mapwright || {};
  window.mapwright.csrfToken = function () {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  };

  // The pages' scripts write through the JSON API (session and CSRF token), as any other client does:
  // resolves to {ok, status, data}, data being the JSON answer or {}.
  window.mapwright.sendJSON = function (method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": window.mapwright.csrfToken(), Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  };

  // What a refused write says, as one sentence: DRF answers {"detail": …} or {"field": ["…"]};
  // `fallback` when it says nothing.
  window.mapwright.problemText = function (data, fallback) {
    if (!data || typeof data !== "object") {
      return fallback || "";
    }
    if (typeof data.detail === "string") {
      return data.detail;
    }
    var text = Object.keys(data).map(function (field) {
      var texts = Array.isArray(data[field]) ? data[field].join(" ") : String(data[field]);
      return field === "non_field_errors" ? texts : field.replace(/_/g, " ") + ": " + texts;
    }).join(" ");
    return text || fallback || "";
  };

  // An element with a class and text (never HTML: what people and models wrote stays text).
  window.mapwright.element = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    };
    if (text !== undefined) {
      node.textContent = text;
    };
    return node;
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpNavToggle);
  } else {
    setUpNavToggle();
  }
})();
