// Follows an AI map generation until it ends, then shows its outcome.
(function () {
  "use strict";
  var page = document.querySelector(".generation[data-status-url]");
  if (!page) {
    return;
  }
  var text = page.querySelector(".generation__text");

  function poll() {
    fetch(page.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.finished) {
          window.location.assign(data.next);
          return;
        }
        if (data.status === "running") {
          text.textContent = "Working on it: reading the description and building the map.";
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        text.textContent = "Lost contact with the server; trying again…";
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 500);
})();
