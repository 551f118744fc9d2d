// Follows an AI map generation until it ends, showing its progress as stages finish, then its outcome.
(function () {
  "use strict";
  var page = document.querySelector(".generation[data-status-url]");
  if (!page) {
    return;
  }
  var text = page.querySelector(".generation__text");
  var bar = page.querySelector(".generation__bar");

  function show(data) {
    if (data.progress_text) {
      text.textContent = data.progress_text;
    }
    var progress = data.progress || {};
    if (bar && progress.stage === "stories" && progress.activities_total) {
      bar.max = progress.activities_total;
      bar.value = progress.activities_done || 0;
      bar.hidden = false;
    }
  }

  function poll() {
    fetch(page.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.finished) {
          window.location.assign(data.next);
          return;
        }
        show(data);
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        text.textContent = "Lost contact with the server; trying again…";
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 500);
})();
