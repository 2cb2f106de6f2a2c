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

// The Manage panel's forms come from the request's manage page when first opened.
(function () {
  "use strict";
  var panel = document.getElementById("manage");
  if (!panel) return;
  panel.addEventListener("toggle", function () {
    if (!panel.open || panel.dataset.loaded) return;
    panel.dataset.loaded = "yes";
    fetch(panel.dataset.src, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var forms = page.getElementById("manage-forms");
        if (forms) document.getElementById("manage-forms").replaceWith(forms);
      })
      .catch(function () {
        // The link to the manage page stays in place and still works.
        delete panel.dataset.loaded;
      });
  });
})();
