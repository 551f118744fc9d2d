// The generate form: the confirmation of Replace shows only while Replace is chosen.
// Without JavaScript it is always shown, and the server refuses Replace without it.
(function () {
  "use strict";
  var form = document.querySelector(".generate-form");
  var box = form && form.querySelector("[data-confirm-replace]");
  if (!box) {
    return;
  }

  function update() {
    var chosen = form.querySelector('input[name="mode"]:checked');
    box.hidden = !chosen || chosen.value !== "replace";
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "mode") {
      update();
    }
  });
  update();
})();
