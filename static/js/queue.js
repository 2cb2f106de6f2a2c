// Refresh the queue board in place every few seconds, keeping the URL's filters,
// sorting and page, and the scroll position. Also the board's keyboard shortcut.
(function () {
  "use strict";
  var board = document.getElementById("queue-board");
  if (!board) return;
  var seconds = parseInt(board.dataset.refreshSeconds, 10) || 15;

  function refresh() {
    if (document.hidden) return;
    var url = board.dataset.refreshUrl + window.location.search;
    fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var scroll = window.scrollY;
        board.innerHTML = html;
        window.scrollTo(0, scroll);
        board.dataset.refreshedAt = new Date().toISOString();
      })
      .catch(function () { /* keep the last board; try again next time */ });
  }
  window.setInterval(refresh, seconds * 1000);

  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "c") {
      event.preventDefault();
      document.getElementById("claim-form").submit();
    }
  });
})();
