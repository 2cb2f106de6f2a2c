// Keyboard shortcuts on a request: r writes a reply, Ctrl+Enter sends it, s resolves.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
        event.preventDefault();
        target.form.submit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var reply = document.querySelector("#reply-form textarea");
    var resolve = document.getElementById("resolve-form");
    if (event.key === "r" && reply) {
      event.preventDefault();
      reply.focus();
    } else if (event.key === "s" && resolve) {
      event.preventDefault();
      resolve.submit();
    }
  });
})();
