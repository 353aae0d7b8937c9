/* Areas drawn as MapLibre layers inside a Plotly map, coloured by feature-state: what the Explore map
 * (assets/explore_map.js) and the Bids map (assets/bids_map.js) share.
 *
 * Plotly recolours a choropleth by handing MapLibre the whole GeoJSON again (seconds to re-tessellate London's
 * 4,835 LSOAs in software WebGL) and draws the LSOA edges in every frame. So both maps add a source that
 * MapLibre's worker loads straight from a geometry file (features keyed by their `code` property) and colour
 * its features with setFeatureState, which only rewrites vertex colours. This file holds the pieces: parsed
 * documents fetched once per page, the Plotly map's MapLibre instance, holding the painter until the areas
 * have loaded, feature states changed by difference, the hover tooltip, and area clicks passed to Dash as the
 * graph's clickData.
 */
(function () {
  "use strict";
  const GIVE_UP_MS = 60000;
  const documents = new Map();  // URL -> promise of the parsed (and prepared) document

  /* A JSON document, fetched and parsed (then passed through `prepare`) once per page. */
  function fetchJSON(url, prepare) {
    if (!documents.has(url)) {
      const request = fetch(url).then((response) => {
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
        return response.json();
      }).then(prepare);
      request.catch(() => documents.delete(url));
      documents.set(url, request);
    }
    return documents.get(url);
  }

  /* A geometry file's features by code, parsed on this thread too (the browser has it cached from MapLibre's
   * or the preload's request): for sources of a few of its areas (outlines) and the hover text's names. */
  function featuresOf(url) {
    return fetchJSON(url, (doc) => new Map(doc.features.map((feature) => [feature.properties.code, feature])));
  }

  /* The MapLibre map of a Plotly graph div once its style's document is in, so sources can be added: not
   * isStyleLoaded(), which also waits for every source of Plotly's (the practices) to be tiled, holding ours
   * back from the worker meanwhile. */
  function mapOf(gd) {
    const subplot = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const map = subplot && subplot.map;
    return map && map.style && map.style._loaded ? map : null;
  }

  /* [graph div, map] of the graph matched by `selector`, once its map can take sources. */
  function mapReady(selector) {
    const began = Date.now();
    return new Promise((resolve, reject) => {
      (function poll() {
        const gd = document.querySelector(selector);
        const map = mapOf(gd);
        if (map) resolve([gd, map]);
        else if (Date.now() - began > GIVE_UP_MS) reject(new Error(`${selector}: the map did not appear`));
        else setTimeout(poll, 25);
      })();
    });
  }

  /* Our layers go under Plotly's (practices, sites, pins) and under the base style's labels. */
  function beneath(map) {
    const order = map.getLayersOrder();
    return order.find((id) => id.startsWith("plotly-trace-layer-")) ||
      (order.includes("labels-anchor") ? "labels-anchor" : order.find((id) => map.getLayer(id).type === "symbol"));
  }

  /* Plotly adds its layers when it draws, which may be after ours: keep ours (`ids`) beneath. */
  function keepBeneathPlotly(map, ids) {
    const order = map.getLayersOrder();
    const plotly = order.find((id) => id.startsWith("plotly-trace-layer-"));
    if (!plotly || order.indexOf(plotly) > order.indexOf(ids[0])) return;
    ids.forEach((id) => map.moveLayer(id, plotly));
  }

  /* While the areas' source loads (the first map, another level), MapLibre paints nothing: it would paint a
   * frame as each tile arrives, and in software WebGL each frame (the drawing, then the compositor reading the
   * canvas back) costs 50-200 ms of the CPU that the worker needs to tile the rest. Its bookkeeping (which tiles
   * to load) still runs each frame; only the painter waits, until every source of the layers whose ids start
   * with `prefix` has what is in view (or GIVE_UP_MS has passed), and the map then appears whole in one frame.
   * The picture before stays meanwhile. `shown` (the map's state) holds the timer while held. */
  function holdUntilLoaded(map, shown, source, prefix) {
    if (map.isSourceLoaded(source) || shown.held) return;
    const painter = map.painter;
    const loaded = () => map.getLayersOrder().filter((id) => id.startsWith(prefix))
      .every((id) => map.isSourceLoaded(map.getLayer(id).source));
    const release = (force) => {
      if (!shown.held || !(force === true || loaded())) return;
      map.off("sourcedata", release);
      clearTimeout(shown.held);
      shown.held = null;
      delete painter.render;  // the prototype's again
      map.triggerRepaint();
    };
    shown.held = setTimeout(() => release(true), GIVE_UP_MS);
    map.on("sourcedata", release);
    // Not before the painter's first frame, which sets up its state: held from the map's very start, it drew
    // nothing ever after on a borough map opened with an area selected.
    const pause = () => { if (shown.held) painter.render = () => {}; };
    if (painter.style) pause();
    else map.once("render", pause);
  }

  /* Feature states of a source to what `wanted` (code -> {colour} or {outline}) says, touching only what
   * changed. */
  function applyStates(map, source, previous, wanted) {
    previous.forEach((_, code) => {
      if (!wanted.has(code)) map.removeFeatureState({source: source, id: code});
    });
    wanted.forEach((state, code) => {
      const before = previous.get(code);
      if (!before || before.colour !== state.colour || before.outline !== state.outline) {
        map.setFeatureState({source: source, id: code}, state);
      }
    });
    return wanted;
  }

  /* Where Plotly's own pointer events are (a practice dot or pin over an area): they win over the area's. */
  const pointers = new WeakMap();

  function watchPlotly(gd) {
    if (pointers.has(gd)) return pointers.get(gd);
    const pointer = {hover: false, click: null};
    pointers.set(gd, pointer);
    gd.on("plotly_hover", () => { pointer.hover = true; hideTooltip(); });
    gd.on("plotly_unhover", () => { pointer.hover = false; });
    gd.on("plotly_click", (data) => { pointer.click = data.event; });
    return pointer;
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

  /* The tooltip by the pointer, its lines (nodes or text) as given; not over a Plotly point, nor mid-drag. */
  function showTooltip(gd, lines, mouse) {
    if ((pointers.get(gd) || {}).hover || mouse.buttons) return;
    const tip = tooltipElement();
    tip.replaceChildren();
    lines.forEach((line, i) => {
      if (i) tip.append(document.createElement("br"));
      tip.append(line);
    });
    tip.hidden = false;
    const left = mouse.clientX + 14;
    tip.style.left = `${left + tip.offsetWidth > window.innerWidth ? mouse.clientX - 14 - tip.offsetWidth : left}px`;
    tip.style.top = `${mouse.clientY + 14}px`;
  }

  function hideTooltip() {
    const tip = document.getElementById("area-tooltip");
    if (tip) tip.hidden = true;
  }

  /* An area click becomes the graph's clickData (`point`), as Plotly's own clicks are, unless Plotly handled
   * the same click (a point over the area): Plotly reacts to it in the same event. */
  function clickArea(gd, graphId, point, mouse) {
    setTimeout(() => {
      if ((pointers.get(gd) || {}).click === mouse) return;
      window.dash_clientside.set_props(graphId, {clickData: {points: [point]}});
    }, 0);
  }

  /* `draw(item, superseded)` run for the newest item only: one given while a draw runs waits, replaced by any
   * newer one, and a draw can ask superseded() after each wait to stop early. */
  function newestOnly(draw, label) {
    let latest = null;
    let drawing = false;
    return async (item) => {
      latest = item;
      if (drawing) return;  // the running loop draws `latest` next
      drawing = true;
      try {
        let done = null;
        while (latest && done !== latest) {
          const current = done = latest;
          await draw(current, () => current !== latest);
        }
      } catch (error) {
        console.error(label, error);
      } finally {
        drawing = false;
      }
    };
  }

  /* Once MapLibre is idle (drawn): the graph div's data-painted counts up (tests and benches wait on it), and the
   * page's first paint of this map gets the User Timing mark `mark`. */
  function countPaint(map, gd, mark) {
    map.once("idle", () => {
      if (!performance.getEntriesByName(mark).length) performance.mark(mark);
      gd.dataset.painted = String(Number(gd.dataset.painted || 0) + 1);
    });
  }

  /* Map images (the camera button): Plotly's own export would rebuild the map off screen (seconds for London's
   * LSOAs in software WebGL) without the layers drawn here, so the image is made from the screen's frame. */
  const SCALE = 2;  // image pixels per CSS pixel

  /* A status line under the graph while the image is made; returns what removes it. */
  function status(gd, text) {
    const note = document.createElement("div");
    note.className = "export-status";
    note.setAttribute("role", "status");
    note.textContent = text;
    gd.parentElement.appendChild(note);
    gd.classList.add("exporting");
    return () => { note.remove(); gd.classList.remove("exporting"); };
  }

  /* The next frame's pixels, read inside MapLibre's render event (before the browser clears the buffer). */
  function frame(map) {
    return new Promise((resolve) => {
      map.once("render", () => {
        const source = map.getCanvas();
        const copy = document.createElement("canvas");
        copy.width = source.width;
        copy.height = source.height;
        copy.getContext("2d").drawImage(source, 0, 0);
        resolve(copy);
      });
      map.triggerRepaint();
    });
  }

  /* The map's frame drawn at SCALE pixels per CSS pixel at least. */
  async function capture(map) {
    const ratio = map.getPixelRatio();
    if (ratio >= SCALE || !map.setPixelRatio) return frame(map);
    map.setPixelRatio(SCALE);
    try {
      return await frame(map);
    } finally {
      map.setPixelRatio(ratio);
    }
  }

  async function savePNG(canvas, filename) {
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  function svgImage(svg) {
    const copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)], {type: "image/svg+xml"}));
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => { URL.revokeObjectURL(url); resolve(image); };
      image.onerror = () => { URL.revokeObjectURL(url); reject(new Error("an SVG layer could not be drawn")); };
      image.src = url;
    });
  }

  /* The graph as on screen, saved as `filename`: Plotly's SVG layers (paper, legend, colour bar) in their order,
   * with the map's frame between those under it and those over it. */
  async function saveScreen(gd, map, filename) {
    const done = status(gd, "Preparing the map image…");
    try {
      const picture = await capture(map);
      const box = gd.getBoundingClientRect();
      const at = map.getCanvas().getBoundingClientRect();
      const layers = [...gd.querySelectorAll(".main-svg")];
      const images = await Promise.all(layers.map(svgImage));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(box.width * SCALE);
      canvas.height = Math.round(box.height * SCALE);
      const context = canvas.getContext("2d");
      context.scale(SCALE, SCALE);
      context.fillStyle = "#fff";
      context.fillRect(0, 0, box.width, box.height);
      let drawn = false;
      const drawMap = () => {
        context.drawImage(picture, at.left - box.left, at.top - box.top, at.width, at.height);
        drawn = true;
      };
      layers.forEach((layer, i) => {
        const over = layer.compareDocumentPosition(map.getCanvas()) & Node.DOCUMENT_POSITION_PRECEDING;
        if (over && !drawn) drawMap();
        const place = layer.getBoundingClientRect();
        context.drawImage(images[i], place.left - box.left, place.top - box.top, place.width, place.height);
      });
      if (!drawn) drawMap();
      await savePNG(canvas, filename);
    } catch (error) {
      console.error("map PNG:", error);
    } finally {
      done();
    }
  }

  window.atlasAreaLayers = {
    // Geometry simplified per zoom to within 0.6 px (MapLibre's default, 0.375 px, keeps nearly all of London's
    // 122,000 LSOA vertices at the London view; 0.6 px cuts the worker's tiling and tessellation and still
    // draws every LSOA there, where 1 px would lose the dozen smallest).
    SOURCE: {type: "geojson", promoteId: "code", tolerance: 0.6},
    COLOUR: ["coalesce", ["feature-state", "colour"], "rgba(0,0,0,0)"],
    NO_FEATURES: {type: "FeatureCollection", features: []},
    // No fades: MapLibre animates a paint change over 300 ms, drawing a frame (~0.3 s in software WebGL) each step.
    atOnce: (...names) => Object.fromEntries(names.map((name) => [`${name}-transition`, {duration: 0}])),
    fetchJSON, featuresOf, mapOf, mapReady, beneath, keepBeneathPlotly, holdUntilLoaded, applyStates, watchPlotly,
    showTooltip, hideTooltip, clickArea, newestOnly, countPaint, SCALE, status, capture, savePNG, saveScreen,
  };
})();
