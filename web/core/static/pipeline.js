// Keeps the pipeline board current on a wall screen: fetches the board every data-interval seconds (15 by
// default) and swaps it in.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var source = board.getAttribute("data-src");
  function refresh() {
    fetch(source, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error("pipeline: " + response.status); }
        return response.text();
      })
      .then(function (html) { board.innerHTML = html; })
      .catch(function () { /* keep the last board; the next round tries again */ });
  }
  var seconds = parseInt(board.getAttribute("data-interval") || "15", 10);
  setInterval(refresh, Math.max(2, seconds) * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
})();
