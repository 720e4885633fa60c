// Keeps the door page's check-in count current while several phones check people in.
// The page works without it: the count is also right after every tap and search.
(function () {
  "use strict";
  var box = document.getElementById("checkin-count");
  if (!box || !window.fetch) { return; }
  var checkedIn = box.querySelector("[data-checked-in]");
  var expected = box.querySelector("[data-expected]");
  function refresh() {
    if (document.hidden) { return; }
    fetch(box.getAttribute("data-count-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (count) {
        if (!count) { return; }
        if (checkedIn.textContent !== String(count.checked_in)) { checkedIn.textContent = count.checked_in; }
        if (expected.textContent !== String(count.expected)) { expected.textContent = count.expected; }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  window.setInterval(refresh, 10000);
  document.addEventListener("visibilitychange", refresh);
})();
