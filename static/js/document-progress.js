// Shows a document's progress while the worker makes it, and reloads the page when it is
// done so that the download appears. Without JavaScript the page has a "check again" link.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  function check() {
    fetch(box.getAttribute("data-progress-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        if (state.finished) { window.location.reload(); return; }
        if (bar && state.total) { bar.max = state.total; bar.value = state.done; }
        if (text && state.text) { text.textContent = state.text; }
      })
      .catch(function () { /* a moment offline: the next round tries again */ });
  }
  window.setInterval(check, 1500);
})();
