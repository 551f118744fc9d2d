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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpNavToggle);
  } else {
    setUpNavToggle();
  }
})();
