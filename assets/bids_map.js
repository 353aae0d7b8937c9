/* Bids map: the LSOAs coloured by access before / after / gained, and the areas lifted out of the bottom
 * quintile outlined, drawn as MapLibre layers in Plotly's map (assets/area_layers.js says why).
 *
 * The figure (layout/bids/map.py) carries everything: the geometry file in layout.meta.areas; in its access
 * trace each area's code (locations), colour (meta.colours, null = not drawn), name (text), values (customdata)
 * and hover template; in its lifted trace the lifted areas' codes (meta.codes) and their outline. Plotly
 * draws the colour bar, the legend, the practices and the sites from the same figure. A new scenario (a Patch
 * of the figure) only changes feature-state, and the lifted areas' small source.
 *
 * The camera button saves the map as on screen. After each repaint, once MapLibre is idle, the graph div's
 * data-painted attribute counts up, and the first paint is marked 'atlas-bids-map-painted' (User Timing) for
 * the benches; the ranked grid and the bid's summary are then asked for (belowTheMap).
 */
(function () {
  "use strict";
  const shared = window.atlasAreaLayers;
  const GRAPH = "#bids-map .js-plotly-plot";
  const AREAS = "bids-areas";    // source and fill layer of the LSOAs
  const LIFTED = "bids-lifted";  // source and line layer of the lifted LSOAs only
  const BELOW_THE_MAP_MS = 8000;  // the grid and summary come without the map's paint after this (no WebGL, say)
  const maps = new WeakMap();    // MapLibre map -> what it shows
  const announced = new WeakSet();  // Bids pages (their map containers) whose below-the-map content was asked for

  /* Once per Bids page, after its map's first paint: bids-drawn set, the ranked grid and the summary follow
   * (callbacks/bids.py below_the_map), so mounting them does not hold the map's first draw back. */
  function belowTheMap() {
    const container = document.getElementById("bids-map");
    if (!container || announced.has(container)) return;
    announced.add(container);
    window.dash_clientside.set_props("bids-drawn", {data: true});
  }

  function setUp(map, gd, figure) {
    let shown = maps.get(map);
    if (shown && map.getSource(AREAS)) return shown;
    const below = shared.beneath(map);
    const url = figure.layout.meta.areas;
    const line = figure.data[1].line;
    map.addSource(AREAS, {...shared.SOURCE, buffer: 4, data: url});
    map.addSource(LIFTED, {...shared.SOURCE, data: shared.NO_FEATURES});
    map.addLayer({id: AREAS, type: "fill", source: AREAS,
                  paint: {"fill-color": shared.COLOUR, "fill-outline-color": figure.data[0].marker.line.color,
                          ...shared.atOnce("fill-opacity", "fill-outline-color")}}, below);
    map.addLayer({id: LIFTED, type: "line", source: LIFTED,
                  paint: {"line-color": line.color, "line-width": line.width,
                          ...shared.atOnce("line-opacity", "line-color", "line-width")}}, below);
    if (!shown) {
      shown = {};
      maps.set(map, shown);
      map.on("mousemove", AREAS, (event) => tooltip(gd, shown, event.features[0].id, event.originalEvent));
      map.on("mouseleave", AREAS, shared.hideTooltip);
      map.on("movestart", shared.hideTooltip);
      map.on("click", AREAS, (event) => {
        const code = event.features[0].id;
        const i = shown.position.get(code);
        shared.clickArea(gd, "bids-map", {curveNumber: 0, location: code,
                                          text: i === undefined ? code : shown.access.text[i]}, event.originalEvent);
      });
      shared.watchPlotly(gd);
      gd.on("plotly_afterplot", () => {
        const current = shared.mapOf(gd);
        if (current && current.getLayer(AREAS)) shared.keepBeneathPlotly(current, [AREAS, LIFTED]);
      });
    }
    Object.assign(shown, {url: url, states: new Map(), lifted: null, locations: null});
    return shown;
  }

  /* The hover text as Plotly would write it from the access trace's template: lines of plain, bold or small
   * text, built as nodes (names and values are never read as markup). */
  function tooltip(gd, shown, code, mouse) {
    const i = shown.position && shown.position.get(code);
    if (i === undefined) return;
    const access = shown.access;
    const filled = access.hovertemplate.replace(/<extra>.*<\/extra>/, "")
      .replace(/%\{text\}/g, () => access.text[i])
      .replace(/%\{customdata\[(\d)\]\}/g, (_, k) => (access.customdata[i] || [])[Number(k)]);
    shared.showTooltip(gd, filled.split("<br>").map((line) => {
      const tag = /^<(b|sub)>/.exec(line);
      const text = line.replace(/<\/?(b|sub)>/g, "");
      if (!tag) return text;
      const node = document.createElement(tag[1] === "b" ? "b" : "small");
      node.textContent = text;
      return node;
    }), mouse);
  }

  async function draw(figure, superseded) {
    const [gd, map] = await shared.mapReady(GRAPH);
    if (superseded()) return;
    const shown = setUp(map, gd, figure);
    const access = figure.data[0];
    if (shown.locations !== access.locations) {
      shown.position = new Map(access.locations.map((code, i) => [code, i]));
      shown.locations = access.locations;
    }
    const colours = new Map();
    access.locations.forEach((code, i) => {
      if (access.meta.colours[i]) colours.set(code, {colour: access.meta.colours[i]});
    });
    shown.states = shared.applyStates(map, AREAS, shown.states, colours);
    shown.access = access;
    const lifted = figure.data[1].visible ? figure.data[1].meta.codes : [];
    const key = lifted.join(" ");
    if (shown.lifted !== key) {
      const features = lifted.length ? await shared.featuresOf(shown.url) : new Map();
      if (superseded()) return;
      map.getSource(LIFTED).setData({type: "FeatureCollection",
                                     features: lifted.map((code) => features.get(code)).filter(Boolean)});
      shown.lifted = key;
    }
    shared.keepBeneathPlotly(map, [AREAS, LIFTED]);
    shared.holdUntilLoaded(map, shown, AREAS, "bids-");
    shared.countPaint(map, gd, "atlas-bids-map-painted");
    map.once("idle", belowTheMap);
  }

  const repaint = shared.newestOnly(draw, "bids map:");

  /* The camera button saves the map as drawn on screen (assets/area_layers.js saveScreen). */
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("#bids-map .modebar-btn");
    if (!button || button.getAttribute("data-title") !== "Download plot as a PNG") return;
    const gd = document.querySelector(GRAPH);
    const map = shared.mapOf(gd);
    if (!map || !map.getLayer(AREAS)) return;  // the areas are not drawn yet: Plotly's own export
    event.stopImmediatePropagation();  // instead of Plotly's export, which would leave the areas out
    shared.saveScreen(gd, map, `${gd._context.toImageButtonOptions.filename}.png`);
  }, true);

  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.atlas = Object.assign({}, window.dash_clientside.atlas, {
    bidsMap: (figure) => {
      if (figure && figure.layout && figure.layout.meta && figure.layout.meta.areas) repaint(figure);
      setTimeout(belowTheMap, BELOW_THE_MAP_MS);
      return window.dash_clientside.no_update;
    },
  });
})();
