/* Explore map: the areas coloured in the browser from the measure cube, their outlines, hover text, clicks.
 *
 * The areas and the outlines over them (boroughs, PCNs, persistent, clusters, selected) are MapLibre layers
 * added to Plotly's map, over sources that MapLibre's worker loads straight from the geometry files, and every
 * view is drawn with setFeatureState (assets/area_layers.js, shared with the Bids map, says why).
 *
 * What to draw comes from two places. The `explore-paint` store (layout/mapfig.py `paint_update`) holds what
 * the server decides: the geometry, the outlines it knows (boroughs, PCN catchments, the selected area), the
 * URL templates of the measure cubes and the legend's outline rows. The cube (layout/explore_cube.py), one
 * immutable GET per measure, holds every year's colours, hover values, persistent areas, legend head, titles
 * and notes; the hot-spot cube the clusters. So a year, a colour scheme, the persistent / hot-spot outlines
 * and (after its one GET) a measure repaint here with no server round trip. The legend, footnote, notes,
 * figure title and the year slider's range follow through Dash's set_props.
 *
 * Plotly still draws the practices, the search pin, the title and footnote. After each repaint, once MapLibre
 * is idle, the graph div's data-painted attribute counts up (the tests and the benches wait on it). The PNG
 * export (camera button, assets/explore_export.js) reads what was drawn from window.atlasExport.
 */
(function () {
  "use strict";
  const shared = window.atlasAreaLayers;      // assets/area_layers.js
  const AREAS = "atlas-areas";                 // source and fill layer of the mapped areas
  const AREA_OUTLINES = "atlas-area-outlines"; // line layer of the mapped areas outlined, styled by feature-state
  const OUTLINED = "atlas-area-outlined";      // its source: the outlined areas only (see drawAreas)
  const OTHER = "atlas-outline-";              // + n: a source and line layer per other geometry outlined
  const {SOURCE, COLOUR, NO_FEATURES, featuresOf, applyStates, beneath, hideTooltip} = shared;
  const FILL_AT_ONCE = shared.atOnce("fill-opacity", "fill-outline-color");
  const LINE_AT_ONCE = shared.atOnce("line-opacity", "line-color", "line-width");
  const GRAPH = "#explore-map .js-plotly-plot";
  const maps = new WeakMap();        // MapLibre map -> what it shows
  const bound = new WeakSet();       // graph divs whose Plotly events are watched

  /* A cube, its areas' positions by code. */
  function cubeAt(url) {
    return shared.fetchJSON(url, (doc) => {
      doc.position = new Map(doc.codes.map((code, i) => [code, i]));
      return doc;
    });
  }

  /* Our layers, kept beneath Plotly's. */
  function keepBeneathPlotly(map, shown) {
    shared.keepBeneathPlotly(map, [AREAS, AREA_OUTLINES, ...[...shown.others.values()].map((entry) => entry.id)]);
  }

  /* Line colour or width by the outline slot in a feature's state (0 = none): each slot styled as its
   * hidden template trace in the figure. */
  function outlineStyle(gd, slots, key, none) {
    return ["match", ["feature-state", "outline"],
            ...slots.flatMap((slot) => [Number(slot), gd.data[slot].marker.line[key]]), none];
  }

  function styleOutlines(map, gd, layer, slots) {
    map.setPaintProperty(layer, "line-color", outlineStyle(gd, slots, "color", "rgba(0,0,0,0)"));
    map.setPaintProperty(layer, "line-width", outlineStyle(gd, slots, "width", 0));
  }

  /* The file the areas are drawn from: the level's overview copy (layout/geometry.py: within two thirds of a
   * pixel London-wide, half the vertices for the worker to tile) below its zoom, the full detail above. */
  function geometryFor(map, paint) {
    return paint.overview && map.getZoom() < paint.overview.below ? paint.overview.url : paint.layer;
  }

  /* Zoomed across the overview's zoom: the areas and their outlines change file (their colours, feature-state
   * by code, stay). */
  async function followZoom(map, shown) {
    const wanted = shown.view ? geometryFor(map, shown.view.paint) : shown.data;
    if (wanted === shown.data) return;
    shown.data = wanted;
    map.getSource(AREAS).setData(wanted);
    const features = await featuresOf(wanted);
    if (shown.data !== wanted) return;
    shown.features = features;
    drawOutlined(map, shown, shown.outlined, shown.everyYear);
  }

  function setUp(map, gd, paint) {
    let shown = maps.get(map);
    if (shown && map.getSource(AREAS)) return shown;
    const below = beneath(map);
    const data = geometryFor(map, paint);
    // buffer: the areas are only filled, so tiles need no margin beyond the antialiased edge (default 128 px)
    map.addSource(AREAS, {...SOURCE, buffer: 4, data: data});
    map.addSource(OUTLINED, {...SOURCE, data: NO_FEATURES});
    map.addLayer({id: AREAS, type: "fill", source: AREAS, paint: {"fill-color": COLOUR, ...FILL_AT_ONCE}}, below);
    map.addLayer({id: AREA_OUTLINES, type: "line", source: OUTLINED, layout: {visibility: "none"},
                  paint: LINE_AT_ONCE}, below);
    styleOutlines(map, gd, AREA_OUTLINES, Object.keys(paint.outlines));
    if (!shown) {
      shown = {};
      maps.set(map, shown);
      map.on("mousemove", AREAS, (event) => showTooltip(gd, shown, event.features[0].id, event.originalEvent));
      map.on("mouseleave", AREAS, hideTooltip);
      map.on("movestart", hideTooltip);
      map.on("click", AREAS, (event) => shared.clickArea(gd, "explore-map", {curveNumber: 0, location: event.features[0].id},
                                                         event.originalEvent));
      map.on("zoomend", () => followZoom(map, shown).catch((error) => console.error("explore map:", error)));
    }
    if (!bound.has(gd)) {
      bound.add(gd);
      shared.watchPlotly(gd);
      gd.on("plotly_afterplot", () => {
        const current = shared.mapOf(gd);
        if (current && maps.has(current) && current.getLayer(AREAS)) keepBeneathPlotly(current, maps.get(current));
      });
    }
    Object.assign(shown, {layer: paint.layer, data: data, others: new Map(), states: new Map(),
                          outlined: new Map(), everyYear: new Set(), outlineStates: new Map(), outlinedFrom: null,
                          texts: {}});
    return shown;
  }

  function showLayer(map, shown, paint) {
    shown.data = geometryFor(map, paint);
    map.getSource(AREAS).setData(shown.data);
    map.removeFeatureState({source: AREAS});
    map.getSource(OUTLINED).setData(NO_FEATURES);
    map.removeFeatureState({source: OUTLINED});
    Object.assign(shown, {layer: paint.layer, states: new Map(), outlined: new Map(), outlineStates: new Map(),
                          outlinedFrom: null});
  }

  /* The outlines of this view: the server's (paint.outlines) with the cubes' filled in, slot -> {url, codes}. */
  function outlinesOf(view, cube, hot, robust, yi) {
    const outlines = {};
    Object.entries(view.paint.outlines).forEach(([slot, outline]) => { outlines[slot] = {...outline}; });
    const on = (name) => view.layers.includes(name);
    const slots = view.slots;
    outlines[slots.persistent].codes = on("persistent") ? cube.info[yi].persistent.map((i) => cube.codes[i]) : [];
    if (robust) {  // "persistent under every method" takes the persistent outline, from the agreement cube
      const ry = robust.years.indexOf(view.year);
      outlines[slots.persistent].codes = ry >= 0 ? robust.info[ry].persistent.map((i) => robust.codes[i]) : [];
    }
    ["poor_cluster", "good_cluster"].forEach((name) => {
      const hy = hot ? hot.years.indexOf(view.year) : -1;
      outlines[slots[name]].codes = hy >= 0 ? hot[name][hy].map((i) => hot.codes[i]) : [];
    });
    if (!on("pcn")) outlines[slots.pcn].codes = [];
    return outlines;
  }

  /* The areas the cubes outline in any year of the view (persistent, under every method, clusters). */
  function outlinedInAnyYear(view, cube, hot, robust) {
    const codes = new Set();
    const add = (doc, indices) => indices.forEach((i) => codes.add(doc.codes[i]));
    if (view.layers.includes("persistent")) cube.info.forEach((info) => add(cube, info.persistent));
    if (robust) robust.info.forEach((info) => add(robust, info.persistent));
    if (hot) ["poor_cluster", "good_cluster"].forEach((name) => hot[name].forEach((year) => add(hot, year)));
    return codes;
  }

  /* Outlines from other geometry (boroughs, PCN catchments, LSOA clusters over coarser areas): a source and
   * line layer per geometry file, keeping only those still needed. */
  function drawOtherOutlines(map, gd, shown, outlines, below) {
    const byUrl = new Map();
    Object.entries(outlines).forEach(([slot, outline]) => {
      if (outline.url === shown.layer || !outline.codes.length) return;
      const states = byUrl.get(outline.url) || new Map();
      outline.codes.forEach((code) => {
        const state = states.get(code);
        if (!state || state.outline < Number(slot)) states.set(code, {outline: Number(slot)});
      });
      byUrl.set(outline.url, states);
    });
    shown.others.forEach((entry, url) => {
      if (!byUrl.has(url)) {
        map.removeLayer(entry.id);
        map.removeSource(entry.id);
        shown.others.delete(url);
      }
    });
    byUrl.forEach((states, url) => {
      let entry = shown.others.get(url);
      if (!entry) {
        entry = {id: OTHER + (shown.next = (shown.next || 0) + 1), states: new Map()};
        map.addSource(entry.id, {...SOURCE, data: url});
        map.addLayer({id: entry.id, type: "line", source: entry.id, paint: LINE_AT_ONCE}, below);
        styleOutlines(map, gd, entry.id, Object.keys(outlines));
        shown.others.set(url, entry);
      }
      entry.states = applyStates(map, entry.id, entry.states, states);
    });
  }

  /* The areas' colours, as feature-state of the whole layer's source, and their outlines. A line layer over all
   * of London's 4,835 LSOAs would cost in every frame (about 100 ms each in software WebGL, even where its
   * width is 0), so the outlined areas (persistent, clusters, main PCN, selected: about a fifth of them) are
   * copied into a source of their own (drawOutlined). Below the zoom the areas are outlined from, the fill is
   * not antialiased either: that pass draws every edge again, in the fill's own colour there. */
  function drawAreas(map, shown, view, cube, outlines, yi, everyYear) {
    const classes = cube.schemes[view.scheme][yi];
    const colours = new Map();
    cube.codes.forEach((code, i) => {
      colours.set(code, {colour: classes.palette[classes.index.charCodeAt(i) - 48]});
    });
    const outlined = new Map();
    Object.entries(outlines).forEach(([slot, outline]) => {
      if (outline.url !== shown.layer) return;
      outline.codes.forEach((code) => {
        const state = outlined.get(code);
        if (shown.features.has(code) && (!state || state.outline < Number(slot))) {
          outlined.set(code, {outline: Number(slot)});
        }
      });
    });
    const outlineZoom = view.paint.outline.zoom;
    map.setPaintProperty(AREAS, "fill-outline-color",
                         ["step", ["zoom"], COLOUR, outlineZoom, view.paint.outline.colour]);
    map.setPaintProperty(AREAS, "fill-antialias", ["step", ["zoom"], false, outlineZoom, true]);
    shown.states = applyStates(map, AREAS, shown.states, colours);
    drawOutlined(map, shown, outlined, everyYear);
  }

  /* The outlined areas' source (from shown.features: the file the areas are drawn from) and their outline
   * slots as feature-state. Replacing the source costs its worker a few hundred milliseconds, so it holds every
   * area the cubes outline in any year (`everyYear`), and keeps those of earlier views while they are under half
   * of the layer: a year switch, and a measure or layer switch back, only change feature-state. */
  function drawOutlined(map, shown, outlined, everyYear) {
    const features = shown.features;
    const wanted = [...outlined.keys(), ...everyYear].filter((code) => features.has(code));
    const kept = shown.outlinedFrom && shown.outlinedFrom.data === shown.data ? shown.outlinedFrom.codes : new Set();
    if (!wanted.every((code) => kept.has(code))) {
      const grown = new Set([...kept, ...wanted]);
      const codes = grown.size <= features.size / 2 ? grown : new Set(wanted);
      const chosen = [...codes].map((code) => features.get(code));
      map.getSource(OUTLINED).setData({type: "FeatureCollection", features: chosen});
      shown.outlinedFrom = {data: shown.data, codes: codes};
    }
    const visibility = outlined.size ? "visible" : "none";
    if (map.getLayoutProperty(AREA_OUTLINES, "visibility") !== visibility) {
      map.setLayoutProperty(AREA_OUTLINES, "visibility", visibility);
    }
    shown.outlineStates = applyStates(map, OUTLINED, shown.outlineStates, outlined);
    Object.assign(shown, {outlined: outlined, everyYear: everyYear});
  }

  /* Dash props that follow the view, set only when they change. */
  function setProps(shown, id, props) {
    const text = JSON.stringify(props);
    if (shown.texts[id] === text) return;
    shown.texts[id] = text;
    window.dash_clientside.set_props(id, props);
  }

  function component(type, props) {
    return {type: type, namespace: "dash_html_components", props: props};
  }

  function showTexts(gd, shown, view, cube, hot, robust, outlines, yi) {
    const info = cube.info[yi];
    const on = (name) => view.layers.includes(name);
    const hy = hot ? hot.years.indexOf(view.year) : -1;
    const ry = robust ? robust.years.indexOf(view.year) : -1;
    const robustNote = robust && (ry >= 0 ? robust.info[ry].persistence_note :
      "Persistence under every method not shown: fewer than two measures have data this year.");
    const notes = [...(view.paint.notices || []), robust ? robustNote : on("persistent") && info.persistence_note,
                   hy >= 0 && hot.notes[hy], view.measure === "agreement" && on("hotspots") &&
                   "Clusters (Gi*) are found per measure: choose a measure to see them.",
                   on("pcn") && info.pcn_note].filter(Boolean);
    const legend = view.paint.legend;
    // The agreement cube's persistent areas, like the robust layer's, are those persistent under every method.
    const everyMethod = view.everyMethod = Boolean(robust) || view.measure === "agreement";
    const hidden = ["selected", everyMethod ? "persistent" : "robust_persistent"];  // they share one outline slot
    const rows = Object.keys(legend).filter((name) => !hidden.includes(name) && outlines[view.slots[name]].codes.length)
      .map((name) => legend[name]);
    const selected = outlines[view.slots.selected].codes.length > 0;
    rows.push({...legend.selected, props: {...legend.selected.props, hidden: !selected}});
    setProps(shown, "explore-legend", {children: [...cube.schemes[view.scheme][yi].legend,
                                                 component("Ul", {children: rows, className: "legend-outlines"})]});
    setProps(shown, "explore-footnote", {children: info.footnote[view.scheme]});
    const summary = cube.schemes[view.scheme][yi].summary;
    if (!selected) {  // with an area selected, the server says it (callbacks/explore_text.py describe)
      setProps(shown, "explore-map-summary", {children: summary[on("persistent") && summary.persistent ?
                                                                 "persistent" : "plain"]});
    }
    setProps(shown, "explore-notes", {children: notes.map((note) => component("Li", {children: note}))});
    const layout = gd.layout || {};
    if ((layout.title || {}).text !== info.title ||
        ((layout.annotations || [])[0] || {}).text !== info.annotation) {
      const patch = new window.dash_clientside.Patch();
      patch.assign(["layout", "title", "text"], info.title).assign(["layout", "annotations", 0, "text"],
                                                                   info.annotation);
      window.dash_clientside.set_props("explore-map", {figure: patch.build()});
    }
  }

  /* The year slider spans the years the cube has; a year it lacks moves to the latest (and repaints). */
  function checkYear(shown, view, cube) {
    const key = view.paint.cube.replace("{measure}", view.measure);
    if (shown.sliderFor !== undefined && shown.sliderFor !== key) {
      setProps(shown, "explore-year", cube.slider);
    }
    shown.sliderFor = key;
    if (!cube.years.includes(view.year)) {
      window.dash_clientside.set_props("explore-year", {value: cube.slider.max});
      return -1;
    }
    return cube.years.indexOf(view.year);
  }

  async function draw(view, superseded) {
    const hotOn = view.layers.includes("hotspots") && view.measure !== "agreement";
    const robustOn = view.layers.includes("robust_persistent") && view.paint.agreement;
    featuresOf(view.paint.overview ? view.paint.overview.url : view.paint.layer);  // parsed while the map starts
    const [[gd, map], cube, hot, robust] = await Promise.all([
      shared.mapReady(GRAPH), cubeAt(view.paint.cube.replace("{measure}", view.measure)),
      hotOn ? cubeAt(view.paint.hotspots.replace("{measure}", view.measure)) : null,
      robustOn ? cubeAt(view.paint.agreement) : null]);
    if (superseded()) return;
    const shown = setUp(map, gd, view.paint);
    const yi = checkYear(shown, view, cube);
    if (yi < 0) return;
    if (shown.layer !== view.paint.layer) showLayer(map, shown, view.paint);
    const data = shown.data;
    const features = await featuresOf(data);  // by code: the hover text's names, the outlined areas' geometry
    if (superseded()) return;
    if (shown.data === data) shown.features = features;  // else a zoom has swapped the file meanwhile
    view.slots = view.paint.slots;
    const outlines = outlinesOf(view, cube, hot, robust, yi);
    drawOtherOutlines(map, gd, shown, outlines, beneath(map));
    drawAreas(map, shown, view, cube, outlines, yi, outlinedInAnyYear(view, cube, hot, robust));
    keepBeneathPlotly(map, shown);
    if (window.atlasOutlines) window.atlasOutlines.sync(map, gd, shown, outlines, AREA_OUTLINES);  // patterns
    shared.holdUntilLoaded(map, shown, AREAS, "atlas-");
    showTexts(gd, shown, view, cube, hot, robust, outlines, yi);
    view.outlines = outlines;
    Object.assign(shown, {view: view, cube: cube, yi: yi});
    window.atlasExport = {gd: gd, map: map, shown: shown};
    shared.countPaint(map, gd, "atlas-map-painted");
  }

  const repaint = shared.newestOnly(draw, "explore map:");

  function formatted(value, decimals) {
    return value === null || value === undefined ? "no data" :
      value.toLocaleString("en-GB", {minimumFractionDigits: decimals, maximumFractionDigits: decimals});
  }

  function showTooltip(gd, shown, code, mouse) {
    const cube = shown.cube;
    if (!cube) return;
    const i = cube.position.get(code);
    const value = i === undefined ? null : cube.values[shown.yi][i];
    const rank = i === undefined ? 0 : cube.ranks[shown.yi][i];
    const name = document.createElement("b");
    const feature = shown.features && shown.features.get(code);
    name.textContent = feature ? feature.properties.name : code;
    const info = cube.info[shown.yi];
    const label = rank ? `${info.tied.includes(rank) ? "=" : ""}${rank.toLocaleString("en-GB")}` : "–";
    const extra = (text) => Object.entries(cube.extra || {}).reduce((line, [key, rows]) => {
      const number = i === undefined ? null : rows[shown.yi][i];
      return line.replace(`{${key}}`, number === null ? "–" : number.toLocaleString("en-GB"));
    }, text);
    shared.showTooltip(gd, [name, ...info.tooltip.map((line) =>
      extra(line.replace("{value}", formatted(value, cube.decimals)).replace("{rank}", label)))], mouse);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.atlas = Object.assign({}, window.dash_clientside.atlas, {
    paint: (paint, measure, year, scheme, layers) => {
      if (paint && paint.cube) repaint({paint: paint, measure: measure, year: year, scheme: scheme,
                                        layers: layers || []});
      return window.dash_clientside.no_update;
    },
  });
})();
