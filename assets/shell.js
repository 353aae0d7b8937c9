/* Shell behaviour on every page, without inline script (the CSP allows none):
 *
 * - the phone navbar's Menu button (a Dash clientside callback: atlas_shell.toggleMenu);
 * - off-canvas control panels on phones and tablets: a button with data-offcanvas-target opens the panel,
 *   which behaves as a dialog (focus moves into it, Escape or its Close button shuts it, focus returns);
 * - copy buttons (data-copy-target = id of the field to copy), which report "Copied" in #share-status;
 * - the Share dialog's PNG button, which asks the Explore map's camera button for its export.
 */
(function () {
  "use strict";

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    atlas_shell: {
      toggleMenu: function (clicks, pathname, isOpen) {
        const triggered = (window.dash_clientside.callback_context.triggered || [])[0] || {};
        const open = triggered.prop_id === "navbar-toggle.n_clicks" ? !isOpen : false;
        const button = document.getElementById("navbar-toggle");
        if (button) button.setAttribute("aria-expanded", String(open));
        return open;
      },
    },
  });

  let opener = null;

  function closePanel(panel) {
    panel.classList.remove("show");
    panel.removeAttribute("role");
    panel.removeAttribute("aria-modal");
    document.body.classList.remove("offcanvas-open");
    document.querySelectorAll(`[data-offcanvas-target="${panel.id}"]`)
      .forEach((button) => button.setAttribute("aria-expanded", "false"));
    if (opener) opener.focus();
    opener = null;
  }

  function openPanel(panel, button) {
    opener = button;
    panel.classList.add("show");
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "true");
    document.body.classList.add("offcanvas-open");
    button.setAttribute("aria-expanded", "true");
    const first = panel.querySelector("button, input, select, textarea, [tabindex]:not([tabindex='-1'])");
    if (first) first.focus();
  }

  function copyText(field) {
    const text = field.value !== undefined ? field.value : field.textContent;
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function say(text) {
    const status = document.getElementById("share-status");
    if (status) status.textContent = text;
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest ? event.target : null;
    if (!target) return;
    const toggle = target.closest("[data-offcanvas-target]");
    if (toggle) {
      const panel = document.getElementById(toggle.getAttribute("data-offcanvas-target"));
      if (panel) (panel.classList.contains("show") ? closePanel(panel) : openPanel(panel, toggle));
      return;
    }
    const close = target.closest("[data-offcanvas-close]");
    if (close) {
      const panel = close.closest(".offcanvas-lg");
      if (panel) closePanel(panel);
      return;
    }
    const copy = target.closest("[data-copy-target]");
    if (copy) {
      const field = document.getElementById(copy.getAttribute("data-copy-target"));
      if (field) copyText(field).then(() => say("Copied to the clipboard."), () => say("Select the text and copy it."));
      return;
    }
    if (target.closest("#share-png")) {
      const camera = document.querySelector('#explore-map .modebar-btn[data-title="Download plot as a PNG"]');
      if (camera) {
        camera.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true}));
        say("The map image is being drawn; your browser will save it.");
      }
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const panel = document.querySelector(".offcanvas-lg.show");
    if (panel) closePanel(panel);
  });
})();
