/* Explore's view bookkeeping in the browser: what the server must hear about, and the address bar.
 *
 * Year, colour scheme, the persistent / hot-spot layers and the measure repaint from the measure cube
 * (assets/explore_map.js), so the server hears only of what it must draw: `serverView` passes on the level,
 * the analysis parameters, the practices and PCN layers (and then the year, whose practices and catchments
 * they show); `panelView` passes on the controls while an area or practice is selected (and once more when
 * the selection clears); `tableView` the controls while the Table view is shown. Each returns no_update when
 * nothing it passes on has changed, so no request goes.
 *
 * `syncUrl` keeps the address bar, the permalink and the briefing link on the whole view: the server's canonical query of the
 * analysis (`explore-base`, layout/view.py view_query) with what the browser changed set over it, in
 * view_query's order and formats. `navHrefs` keeps the navbar links on the view (layout/shell.py's rule:
 * every parameter but area, practice, embed and print).
 */
(function () {
  "use strict";
  const SERVER_LAYERS = ["practices", "pcn"];
  const SELECTION = ["area", "practice"];
  const CAMERA = ["lat", "lon", "zoom"];
  const FLAGS = ["embed", "print"];
  const NOT_IN_NAV = ["area", "practice", "embed", "print"];

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function serverView(level, weights, d0, k, n, cut, layers, year, previous) {
    const drawn = (layers || []).filter((layer) => SERVER_LAYERS.includes(layer));
    const view = [level, weights, d0, k, n, cut, drawn, drawn.length ? year : null];
    return same(view, previous) ? window.dash_clientside.no_update : view;
  }

  function panelView(selection, ...rest) {
    const previous = rest.pop();
    const chosen = !!(selection && (selection.area || selection.practice));
    if (!chosen && !(previous && previous.chosen)) return window.dash_clientside.no_update;
    const view = {chosen: chosen, selection: selection, controls: rest};
    return same(view, previous) ? window.dash_clientside.no_update : view;
  }

  /* The controls while the Table view is shown (and once when it is hidden again). */
  function tableView(showAs, ...rest) {
    const previous = rest.pop();
    const shown = showAs === "table";
    if (!shown && !(previous && previous.show_as === "table")) return window.dash_clientside.no_update;
    const view = {show_as: showAs, controls: shown ? rest : []};
    return same(view, previous) ? window.dash_clientside.no_update : view;
  }

  /* The camera of a map relayout event: {lat, lon, zoom} as view_query writes them, or {} (no move). */
  function camera(relayout) {
    const centre = relayout && relayout["map.center"];
    const zoom = relayout && relayout["map.zoom"];
    const moved = {};
    if (centre && Number.isFinite(centre.lat) && Number.isFinite(centre.lon)) {
      moved.lat = centre.lat.toFixed(5);
      moved.lon = centre.lon.toFixed(5);
    }
    if (Number.isFinite(zoom)) moved.zoom = zoom.toFixed(2);
    return moved;
  }

  function syncUrl(base, selection, relayout, measure, year, scheme, layers, briefing) {
    const params = new URLSearchParams(base || "");
    params.set("measure", measure);
    params.set("year", String(year));
    params.set("scheme", scheme);
    params.set("layers", (layers || []).join(","));
    const shown = new URLSearchParams(window.location.search);
    const kept = {};
    [...SELECTION, ...CAMERA, ...FLAGS].forEach((name) => {
      if (params.has(name)) kept[name] = params.get(name);
      params.delete(name);
    });
    SELECTION.forEach((name) => {
      if (selection && selection[name]) kept[name] = selection[name];
      else delete kept[name];
    });
    CAMERA.forEach((name) => {  // the camera the address bar shows: the user may have moved since `base`
      if (shown.has(name)) kept[name] = shown.get(name);
    });
    Object.assign(kept, camera(relayout));
    [...SELECTION, ...CAMERA, ...FLAGS].forEach((name) => {
      if (kept[name] !== undefined) params.set(name, kept[name]);
    });
    const query = "?" + params.toString().replace(/%2C/g, ",");
    const no = window.dash_clientside.no_update;
    const pdf = (briefing || "").split("?")[0] + query;  // the briefing of the same view (layout/explore.py)
    return query === window.location.search ? [no, query, pdf] : [query, query, pdf];
  }

  function navHrefs(search, hrefs) {
    const kept = [...new URLSearchParams(search || "")].filter(([name]) => !NOT_IN_NAV.includes(name))
      .map(([name, value]) => `${name}=${value}`).join("&");
    return hrefs.map((href) => (href || "").split("?")[0] + (kept ? `?${kept}` : ""));
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.atlas = Object.assign({}, window.dash_clientside.atlas, {
    serverView: serverView, panelView: panelView, tableView: tableView, syncUrl: syncUrl, navHrefs: navHrefs,
  });
})();
