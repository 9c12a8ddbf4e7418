/* Small fixes to the theme's behaviour. Jupyter Book adds every _static/*.js to every page; the work waits for
   DOMContentLoaded, when Sphinx's searchtools.js (loaded after this file) has defined `Search`. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  /* The "Contents" button in the article header (shown below 1400 px, where the right-hand sidebar folds away)
     opens the page's table of contents. pydata-sphinx-theme binds only the first .secondary-toggle on the page,
     the one in the phone header; forward clicks on the others to it. */
  var toggles = document.querySelectorAll(".secondary-toggle");
  for (var i = 1; i < toggles.length; i++) {
    toggles[i].addEventListener("click", function (event) {
      event.preventDefault();
      event.stopPropagation();
      toggles[0].click();
    });
  }

  /* Search result snippets: Sphinx takes the text of the whole [role=main] element, which here starts with the
     article's toolbar (".ipynb .pdf", "Contents") and the page's own table of contents. Take the article body
     instead, with runs of white space collapsed, so a snippet shows the words around the match. */
  if (typeof Search !== "undefined" && Search.htmlToText) {
    var TOOLBAR = [".bd-header-article", ".bd-sidebar-secondary", ".prev-next-area", ".bd-footer-article",
                   "footer", ".headerlink", "script", "style", ".toggle-button", "button"].join(", ");
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(TOOLBAR).forEach(function (el) { el.remove(); });
      var main = doc.querySelector("article.bd-article") || doc.querySelector('[role="main"]');
      if (!main) return "";
      var part = (anchor && main.querySelector(anchor)) || main;
      return part.textContent.replace(/\s+/g, " ").trim();
    };
  }
});
