/* Back/Forward within one page.
 *
 * Every control change pushes the view's query onto the browser history (the URL always holds the
 * whole view), but the router re-renders only when the *path* changes. So when Back/Forward lands on
 * the same page with a different query, reload it: the page is rebuilt from the URL exactly as a
 * shared link would be. Moves between pages are left to Dash's router.
 */
(function () {
  var shown = window.location.pathname + window.location.search;
  var remember = function () { shown = window.location.pathname + window.location.search; };
  ["pushState", "replaceState"].forEach(function (name) {
    var original = window.history[name];
    window.history[name] = function () {
      var result = original.apply(this, arguments);
      remember();
      return result;
    };
  });
  window.addEventListener("popstate", function () {
    var samePage = shown.split("?")[0] === window.location.pathname;
    var otherView = shown !== window.location.pathname + window.location.search;
    remember();
    if (samePage && otherView) {
      window.location.reload();
    }
  });
})();
