/* Explore map: the areas coloured in the browser, their hover text, clicks, and the PNG export.
 *
 * Plotly recolours a choropleth by handing MapLibre the whole GeoJSON again (about 2 s to re-tessellate
 * London's 4,835 LSOAs in software WebGL), and does that whenever the data of any trace changes. So the
 * areas and the outlines over them (boroughs, PCNs, persistent, clusters, selected) are drawn here, as
 * MapLibre layers on Plotly's map made from the same geometry files. The server sends what to draw in the
 * `explore-paint` store (see layout/mapfig.py `paint_update`); its arrays follow the geometry file's
 * feature order, so feature i is given id i.
 *
 * A view switch costs one frame (~0.25 s in software WebGL): areas are recoloured, and outlined when an
 * outline is of the mapped areas themselves (persistent, selected, clusters at LSOA level), with
 * setFeatureState, which only rewrites vertex colours. Outlines from other geometry (boroughs, PCNs, LSOA
 * clusters over coarser areas) are a small GeoJSON source of their own, re-cut by the worker when they
 * change, which costs a frame more.
 *
 * Plotly still draws the practices, the search pin, title and footnote. Its figure keeps hidden, empty
 * templates of the choropleth and outline traces: the camera button exports a copy of the figure with
 * them filled in, because Plotly's image export cannot see layers it did not draw.
 *
 * After each repaint, once MapLibre is idle, the graph div's data-painted attribute counts up (the tests
 * and bench/app.py wait on it).
 */
(function () {
  "use strict";
  const AREAS = "atlas-areas";                 // source and fill layer of the areas
  const AREA_OUTLINES = "atlas-area-outlines"; // line layer over the areas, styled by feature-state
  const OUTLINES = "atlas-outlines";           // source and line layer of outlines from other geometry
  const COLOUR = ["coalesce", ["feature-state", "colour"], "rgba(0,0,0,0)"];
  const GIVE_UP_MS = 60000;
  const geometry = new Map();        // geometry URL -> promise of {features, byCode}
  const maps = new WeakMap();        // MapLibre map -> what it shows: {layer, codes, index, outlines, paint}
  const bound = new WeakSet();       // graph divs whose Plotly events are watched
  const pointer = {plotlyHover: false, plotlyClick: null};
  let latest = null;                 // the newest paint; a paint superseded while loading is skipped
  let drawing = false;
  let painted = 0;

  function load(url) {
    if (!geometry.has(url)) {
      const request = fetch(url).then((response) => {
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
        return response.json();
      }).then((collection) => ({
        features: collection.features,
        byCode: new Map(collection.features.map((feature) => [feature.id, feature])),
      }));
      request.catch(() => geometry.delete(url));
      geometry.set(url, request);
    }
    return geometry.get(url);
  }

  function graph() {
    return document.querySelector("#explore-map .js-plotly-plot");
  }

  /* Plotly's MapLibre map, once Plotly has drawn its own layers into it (ours go beneath them). */
  function mapOf(gd) {
    const subplot = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const map = subplot && subplot.map;
    return map && map.isStyleLoaded() && plotlyLayer(map) ? map : null;
  }

  function plotlyLayer(map) {
    return map.getLayersOrder().find((id) => id.startsWith("plotly-trace-layer-"));
  }

  function mapReady() {
    const began = Date.now();
    return new Promise((resolve, reject) => {
      (function poll() {
        const gd = graph();
        const map = mapOf(gd);
        if (map) resolve([gd, map]);
        else if (Date.now() - began > GIVE_UP_MS) reject(new Error("the explore map did not appear"));
        else setTimeout(poll, 50);
      })();
    });
  }

  /* Resolves at the source's next data event (or after a second, so a map removed meanwhile cannot stall
   * the next paint). */
  function sourceData(map, id) {
    return new Promise((resolve) => {
      const done = (event) => {
        if (event && event.sourceId !== id) return;
        map.off("sourcedata", done);
        resolve();
      };
      map.on("sourcedata", done);
      setTimeout(done, 1000);
    });
  }

  /* Our layers on this map (again after a style reload), and its hover / click handlers once. */
  function setUp(map, gd) {
    let shown = maps.get(map);
    if (shown && map.getSource(AREAS)) return shown;
    const empty = {type: "FeatureCollection", features: []};
    const below = plotlyLayer(map);
    map.addSource(AREAS, {type: "geojson", data: empty});
    map.addLayer({id: AREAS, type: "fill", source: AREAS, paint: {"fill-color": COLOUR}}, below);
    map.addLayer({id: AREA_OUTLINES, type: "line", source: AREAS, layout: {visibility: "none"}}, below);
    map.addSource(OUTLINES, {type: "geojson", data: empty});
    map.addLayer({id: OUTLINES, type: "line", source: OUTLINES,
                  paint: {"line-color": ["get", "colour"], "line-width": ["get", "width"]}}, below);
    if (!shown) {
      shown = {};
      maps.set(map, shown);
      map.on("mousemove", AREAS, (event) => showTooltip(shown, event.features[0].id, event.originalEvent));
      map.on("mouseleave", AREAS, hideTooltip);
      map.on("movestart", hideTooltip);
      map.on("click", AREAS, (event) => select(shown, event.features[0].id, event.originalEvent));
    }
    if (!bound.has(gd)) {
      bound.add(gd);
      gd.on("plotly_hover", () => { pointer.plotlyHover = true; hideTooltip(); });
      gd.on("plotly_unhover", () => { pointer.plotlyHover = false; });
      gd.on("plotly_click", (data) => { pointer.plotlyClick = data.event; });
    }
    shown.layer = shown.outlines = shown.outlined = null;
    return shown;
  }

  /* A new geometry: its areas numbered in file order, and outline styles (trace slot -> its template's). */
  function showLayer(map, gd, shown, paint, features) {
    map.getSource(AREAS).setData({type: "FeatureCollection", features: features.map(
      (feature, i) => ({type: "Feature", id: i, geometry: feature.geometry, properties: {}}))});
    map.removeFeatureState({source: AREAS});
    map.setPaintProperty(AREAS, "fill-outline-color", ["step", ["zoom"], COLOUR, paint.outline.zoom,
                                                       paint.outline.colour]);
    const slots = Object.keys(paint.outlines);
    const style = (key, none) => ["match", ["feature-state", "outline"],
                                  ...slots.flatMap((slot) => [Number(slot), gd.data[slot].marker.line[key]]), none];
    map.setPaintProperty(AREA_OUTLINES, "line-color", style("color", "rgba(0,0,0,0)"));
    map.setPaintProperty(AREA_OUTLINES, "line-width", style("width", 0));
    shown.layer = paint.layer;
    shown.codes = features.map((feature) => feature.id);
    shown.index = new Map(shown.codes.map((code, i) => [code, i]));
  }

  /* Per area, the slot of the outline it shows (0 = none): the highest, as later traces drew on top. */
  function areaOutlines(shown, outlines) {
    const slot = new Array(shown.codes.length).fill(0);
    outlines.forEach(([key, outline]) => outline.codes.forEach((code) => {
      const i = shown.index.get(code);
      if (i !== undefined) slot[i] = Math.max(slot[i], Number(key));
    }));
    return slot;
  }

  /* One feature per outlined area of other geometry, styled like its trace template. */
  function outlineFeatures(outlines, gd, loaded) {
    const features = [];
    outlines.forEach(([slot, outline]) => {
      const line = gd.data[slot].marker.line;
      outline.codes.forEach((code) => {
        const area = loaded.get(outline.url).byCode.get(code);
        if (area) {
          features.push({type: "Feature", geometry: area.geometry,
                         properties: {colour: line.color, width: line.width}});
        }
      });
    });
    return features;
  }

  async function draw(paint) {
    const drawn = Object.entries(paint.outlines).filter(([, outline]) => outline.codes.length);
    const urls = [...new Set([paint.layer, ...drawn.map(([, outline]) => outline.url)])];
    const [[gd, map], geometries] = await Promise.all([  // the geometry loads while Plotly builds the map
      mapReady(), Promise.all(urls.map(async (url) => [url, await load(url)]))]);
    const loaded = new Map(geometries);
    if (paint !== latest) return;
    const shown = setUp(map, gd);
    if (shown.layer !== paint.layer) showLayer(map, gd, shown, paint, loaded.get(paint.layer).features);
    const own = drawn.filter(([, outline]) => outline.url === paint.layer);
    const other = drawn.filter(([, outline]) => outline.url !== paint.layer);
    const outlined = own.length > 0;
    if (shown.outlined !== outlined) {  // an unused line layer over every area would cost in every frame
      map.setLayoutProperty(AREA_OUTLINES, "visibility", outlined ? "visible" : "none");
      shown.outlined = outlined;
    }
    const outlines = JSON.stringify(other);
    if (shown.outlines !== outlines) {
      // MapLibre draws a frame when the worker has taken new data and another once it has cut the tiles;
      // the colours go into the first.
      map.getSource(OUTLINES).setData({type: "FeatureCollection", features: outlineFeatures(other, gd, loaded)});
      shown.outlines = outlines;
      await sourceData(map, OUTLINES);
    }
    const slot = areaOutlines(shown, own);
    paint.colour.forEach((position, i) => map.setFeatureState({source: AREAS, id: i},
                                                              {colour: paint.palette[position], outline: slot[i]}));
    shown.paint = paint;
    map.once("idle", () => { gd.dataset.painted = String(++painted); });
  }

  async function repaint(paint) {
    latest = paint;
    if (drawing) return;  // the running loop draws `latest` next
    drawing = true;
    try {
      let done = null;
      while (latest && done !== latest) {
        done = latest;
        await draw(done);
      }
    } catch (error) {
      console.error("explore map:", error);
    } finally {
      drawing = false;
    }
  }

  function tooltipElement() {
    let tip = document.getElementById("area-tooltip");
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "area-tooltip";
      tip.className = "area-tooltip";
      tip.hidden = true;
      document.body.appendChild(tip);
    }
    return tip;
  }

  function showTooltip(shown, i, mouse) {
    const paint = shown.paint;
    if (!paint || pointer.plotlyHover || mouse.buttons) return;  // not over a practice's label, nor mid-drag
    const tip = tooltipElement();
    const name = document.createElement("b");
    name.textContent = paint.names[i];
    tip.replaceChildren(name);
    paint.tooltip.forEach((line) => tip.append(document.createElement("br"),
      line.replace("{value}", paint.values[i]).replace("{rank}", paint.ranks[i])));
    tip.hidden = false;
    const left = mouse.clientX + 14;
    tip.style.left = `${left + tip.offsetWidth > window.innerWidth ? mouse.clientX - 14 - tip.offsetWidth : left}px`;
    tip.style.top = `${mouse.clientY + 14}px`;
  }

  function hideTooltip() {
    const tip = document.getElementById("area-tooltip");
    if (tip) tip.hidden = true;
  }

  /* An area click becomes the graph's clickData, as Plotly's own clicks are, unless Plotly handled the
   * same click (a practice dot or the search pin over the area): Plotly reacts to it in the same event. */
  function select(shown, i, mouse) {
    const paint = shown.paint;
    setTimeout(() => {
      if (!paint || pointer.plotlyClick === mouse) return;
      window.dash_clientside.set_props("explore-map", {clickData: {points: [
        {curveNumber: paint.image.slot, pointNumber: i, location: shown.codes[i]}]}});
    }, 0);
  }

  /* The camera button: a copy of the figure with the areas and outlines as Plotly traces. */
  async function exportImage(gd) {
    const map = mapOf(gd);
    const shown = map && maps.get(map);
    const paint = shown && shown.paint;
    if (!paint) return;
    const data = gd.data.map((trace) => Object.assign({}, trace));
    data[paint.image.slot] = Object.assign({}, data[paint.image.slot], paint.image.trace,
                                           {visible: true, locations: shown.codes, z: paint.colour});
    Object.entries(paint.outlines).forEach(([slot, outline]) => {
      data[slot] = Object.assign({}, data[slot], {visible: outline.codes.length > 0, locations: outline.codes,
                                                  z: outline.codes.map(() => 1)});
    });
    gd.classList.add("exporting");
    try {
      await window.Plotly.downloadImage({data: data, layout: gd.layout}, paint.image.options);
    } catch (error) {
      console.error("explore map PNG:", error);
    } finally {
      gd.classList.remove("exporting");
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("#explore-map .modebar-btn");
    if (!button || button.getAttribute("data-title") !== "Download plot as a PNG") return;
    event.stopImmediatePropagation();  // instead of Plotly's export, which would leave the areas out
    exportImage(graph());
  }, true);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    atlas: {paint: (paint) => { if (paint) repaint(paint); }},
  });
})();
