/* Keyboard and screen-reader paths that Dash's own components do not give (WCAG 2.2 AA).
 *
 * - Dash 4 dropdowns are reached through a hidden, focusable <input aria-hidden="true"> that forwards focus to
 *   the real button (tabindex -1): a screen reader meets a focusable element it is told to ignore
 *   (axe: aria-hidden-focus). Here the button itself takes the Tab stop and the proxy leaves the tab order;
 *   dropdown buttons and slider thumbs are named by their visible <label for> (Dash names a dropdown by its
 *   value alone and a slider thumb not at all).
 * - dcc.Upload's hidden file input is named by its drop zone's text.
 * - Skip links move focus to their target (the map's canvas takes arrow keys to pan and +/- to zoom).
 * - Explore: choosing an area (map, search, Enter in the table) moves focus to the side panel; Escape or
 *   "Clear selection" closes it and focus goes back to where it came from. Arrow keys through the Table view
 *   select each row's area (as a map click would) without leaving the table.
 * - The map region and canvas are named after the view (from the live summary) and described by the summary.
 */
(function () {
  "use strict";
  const PANEL = "explore-panel";
  const TABLE = "explore-table";
  const SELECT_DELAY_MS = 150;  // holding an arrow key selects the row it stops on, not every row it passes
  let returnTo = null;          // where focus goes back to when the panel closes
  let panelWanted = false;      // the next area panel should take focus
  let panelShown = "";          // the area or practice the panel shows ("" = the hint)

  function setAttribute(element, name, value) {
    if (element.getAttribute(name) !== value) element.setAttribute(name, value);
  }

  function labelFor(id) {
    const label = id && document.querySelector(`label[for="${CSS.escape(id)}"]`);
    if (label && !label.id) label.id = `${id}-label`;
    return label;
  }

  function fixDropdowns(root) {
    root.querySelectorAll(".dash-dropdown-focus-target").forEach((proxy) => {
      const button = proxy.nextElementSibling;
      if (!button || !button.classList.contains("dash-dropdown")) return;
      setAttribute(proxy, "tabindex", "-1");
      if (!button.disabled) setAttribute(button, "tabindex", "0");
      const label = labelFor(button.id);
      if (label) setAttribute(button, "aria-labelledby", `${label.id} ${button.id}-value`);
    });
  }

  function fixSliders(root) {
    root.querySelectorAll(".dash-slider-container[id]").forEach((slider) => {
      const label = labelFor(slider.id);
      if (!label) return;
      slider.querySelectorAll("[role=slider], input").forEach((control) => {
        setAttribute(control, "aria-labelledby", label.id);
      });
    });
  }

  /* dcc.Upload's file input is invisible and unnamed: name it by the drop zone's text (Space or Enter on it opens
   * the file chooser; the drop zone shows the focus ring, see atlas.css). */
  function nameUploads(root) {
    root.querySelectorAll("input[type=file]").forEach((input) => {
      const zone = input.parentElement;
      if (zone && zone.innerText.trim()) setAttribute(input, "aria-label", zone.innerText.trim());
    });
  }

  /* dbc radio buttons carry no shared name, so each is its own Tab stop; one name per group gives the usual
   * radio group: one Tab stop, arrow keys to move the choice. */
  function groupRadios(root) {
    root.querySelectorAll(".form-check-input[type=radio]").forEach((radio) => {
      const group = radio.closest("[id]:not(input)");
      if (group && !radio.name) radio.name = group.id;
    });
  }

  /* The explore map is named after the view: its live summary up to the colon ("E2SFCA access by LSOA (2011),
   * FY2024/25"), on the map region and on the canvas that takes the keyboard. */
  function nameMapCanvas() {
    const region = document.getElementById("explore-map-region");
    const summary = document.getElementById("explore-map-summary");
    if (!region || !summary || !summary.textContent) return;
    const name = summary.textContent.split(":")[0];
    setAttribute(region, "aria-label", name);
    const canvas = region.querySelector(".maplibregl-canvas");
    if (!canvas) return;
    setAttribute(canvas, "aria-label", `${name}. Arrow keys move the map, plus and minus zoom; ` +
                 "the Table view lists every area.");
    setAttribute(canvas, "aria-describedby", "explore-map-summary");
  }

  /* The area or practice the panel shows (its title), "" for the hint. */
  function panelSubject(panel) {
    const title = panel.querySelector("#panel-title");
    return title ? title.textContent : "";
  }

  function panelChanged() {
    const panel = document.getElementById(PANEL);
    if (!panel) return;
    const subject = panelSubject(panel);
    if (subject === panelShown) return;
    const wasOpen = panelShown !== "";
    panelShown = subject;
    if (subject && panelWanted) {
      panelWanted = false;
      const heading = panel.querySelector("#panel-title");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    } else if (!subject && wasOpen && (panel.contains(document.activeElement) ||
                                       document.activeElement === document.body ||
                                       (document.activeElement && document.activeElement.id === "explore-clear"))) {
      const target = returnTo && document.contains(returnTo) ? returnTo
        : document.querySelector("#explore-map-region .maplibregl-canvas");
      if (target) target.focus();
    }
  }

  /* A user action that chooses an area: the panel it opens should take focus (not so for arrow keys in the
   * table, which browse areas one by one). */
  function choosing(event) {
    const target = event.target;
    if (!target || !target.closest) return;
    const fromMap = target.closest("#explore-map-region") && !target.closest(`#${TABLE}`) && event.type === "click";
    const fromSearch = target.closest("#explore-search") || target.closest("[role=listbox], [role=option]");
    const fromTable = target.closest(`#${TABLE}`) && event.type === "keydown" && event.key === "Enter";
    if (fromMap || (fromSearch && (event.type === "click" || event.key === "Enter")) || fromTable) {
      panelWanted = true;
      returnTo = fromSearch ? document.getElementById("explore-search") : target.closest("[tabindex]") || target;
      if (fromTable) panelChangedSoon();
    }
  }

  function panelChangedSoon() {
    // Enter on the row already selected: the panel will not change, so focus it now.
    setTimeout(() => {
      const panel = document.getElementById(PANEL);
      if (panelWanted && panel && panelShown) {
        panelShown = "";
        panelChanged();
      }
    }, 600);
  }

  function escapeClosesPanel(event) {
    if (event.key !== "Escape") return;
    const panel = document.getElementById(PANEL);
    const clear = document.getElementById("explore-clear");
    if (panel && clear && panelShown && (panel.contains(event.target) || event.target === clear)) {
      event.preventDefault();
      clear.click();
    }
  }

  function skipTo(event) {
    const link = event.target.closest && event.target.closest("a.skip-link");
    if (!link) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    const focusable = target.querySelector(".maplibregl-canvas") || target;
    if (focusable === target && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    focusable.focus();
  }

  /* Arrow keys through the table select the focused row's area, as a click on it in the map would. */
  const boundGrids = new WeakSet();
  let selectTimer = null;
  function bindTable() {
    const element = document.getElementById(TABLE);
    if (!element || boundGrids.has(element) || !window.dash_ag_grid) return;
    boundGrids.add(element);
    window.dash_ag_grid.getApiAsync(TABLE).then((api) => {
      api.addEventListener("cellFocused", (event) => {
        if (event.rowIndex == null || event.rowPinned) return;
        clearTimeout(selectTimer);
        selectTimer = setTimeout(() => {
          const row = api.getDisplayedRowAtIndex(event.rowIndex);
          if (!row || !row.data) return;
          window.dash_clientside.set_props("explore-map", {clickData: {points: [
            {location: row.data.area_code, source: "table"}]}});
        }, SELECT_DELAY_MS);
      });
    }).catch(() => boundGrids.delete(element));
  }

  function fixAll() {
    fixDropdowns(document);
    fixSliders(document);
    groupRadios(document);
    nameUploads(document);
    nameMapCanvas();
    panelChanged();
    bindTable();
  }

  let queued = false;
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fixAll(); });
  });

  function start() {
    observer.observe(document.body, {childList: true, subtree: true, attributes: true,
                                     attributeFilter: ["tabindex", "aria-label"]});
    document.addEventListener("click", choosing, true);
    document.addEventListener("keydown", choosing, true);
    document.addEventListener("keydown", escapeClosesPanel);
    document.addEventListener("click", skipTo);
    fixAll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
