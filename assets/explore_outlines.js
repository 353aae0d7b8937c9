/* Explore map outlines told apart by line pattern as well as colour (WCAG 1.4.1), each on a casing that keeps
 * it at 3:1 against every fill (WCAG 1.4.11).
 *
 * assets/explore_map.js draws each geometry's outlines as one MapLibre line layer (its "base"), styled by the
 * feature-state `outline` (the outline's trace slot; 0 = none). MapLibre cannot vary line-dasharray by
 * feature-state, so after each draw explore_map.js calls `sync` here, which
 *   - turns the base into the casing: each slot's casing colour (layout/mapfig.py OUTLINES, carried in the
 *     hidden template trace's `meta`) at the line's width plus the casing either side;
 *   - draws one line layer per pattern (solid, dashed, dotted, dash-dot) just above the base, over the same
 *     source, coloured only where a feature's slot has that pattern;
 *   - shows a pattern layer only while the base is shown and one of its slots is outlined there (a line layer
 *     over 4,835 LSOAs costs in every frame), and keeps it just above its base when layers move.
 * A base that explore_map.js removes takes its pattern layers with it (so its source can go too).
 */
(function () {
  "use strict";
  const PATTERN = "-pattern-";          // base id + this + pattern key: a pattern layer
  const NONE = "rgba(0,0,0,0)";
  const AT_ONCE = {"line-color-transition": {duration: 0}, "line-width-transition": {duration: 0},
                   "line-opacity-transition": {duration: 0}};
  const patterns = new WeakMap();       // MapLibre map -> Map(base id -> Map(pattern id -> slots))
  const outlined = new WeakMap();       // MapLibre map -> Map(base id -> the slots outlined there now)
  const watched = new WeakSet();        // maps whose removeLayer is wrapped, graph divs whose replots are watched

  function styleOf(gd, slot) {
    const trace = gd.data[slot];
    const meta = trace.meta || {};
    return {colour: trace.marker.line.color, width: trace.marker.line.width, dash: meta.dash || [],
            casing: meta.casing || "", casingWidth: meta.casing_width || 0};
  }

  function match(slots, value, none) {
    return slots.length ? ["match", ["feature-state", "outline"], ...slots.flatMap((s) => [Number(s), value(s)]), none]
      : none;
  }

  /* The pattern layers a base needs: pattern key ("solid", "3,1.5" ...) -> the slots drawn with it. */
  function byPattern(gd, slots) {
    const groups = new Map();
    slots.forEach((slot) => {
      const key = styleOf(gd, slot).dash.join(",") || "solid";
      groups.set(key, [...(groups.get(key) || []), slot]);
    });
    return groups;
  }

  function forgetWithBase(map) {
    if (watched.has(map)) return;
    watched.add(map);
    const removeLayer = map.removeLayer.bind(map);
    map.removeLayer = (id) => {
      const layers = (patterns.get(map) || new Map()).get(id);
      if (layers) {
        layers.forEach((_, layer) => { if (map.getLayer(layer)) removeLayer(layer); });
        patterns.get(map).delete(id);
      }
      return removeLayer(id);
    };
  }

  function ensureLayers(map, gd, base, slots) {
    const known = patterns.get(map) || new Map();
    patterns.set(map, known);
    const layers = new Map();
    byPattern(gd, slots).forEach((group, key) => {
      const id = base + PATTERN + key.replace(/[^0-9]+/g, "_");
      const dash = styleOf(gd, group[0]).dash;
      if (!map.getLayer(id)) {
        map.addLayer({id: id, type: "line", source: map.getLayer(base).source,
                      layout: {visibility: "none", "line-cap": dash.includes(0) ? "round" : "butt"},
                      paint: {...AT_ONCE, ...(dash.length ? {"line-dasharray": dash} : {})}});
      }
      map.setPaintProperty(id, "line-color", match(group, (s) => styleOf(gd, s).colour, NONE));
      map.setPaintProperty(id, "line-width", match(group, (s) => styleOf(gd, s).width, 0));
      layers.set(id, group);
    });
    known.set(base, layers);
    return layers;
  }

  /* Each pattern layer just above its base, in a fixed order. */
  function keepAbove(map, base, layers) {
    const order = map.getLayersOrder();
    const ids = [...layers.keys()];
    const at = order.indexOf(base);
    if (ids.every((id, i) => order[at + 1 + i] === id)) return;
    const next = order.slice(at + 1).find((id) => !ids.includes(id));
    ids.forEach((id) => map.moveLayer(id, next));
  }

  function styleBase(map, gd, base, slots) {
    const cased = slots.filter((slot) => styleOf(gd, slot).casing);
    map.setPaintProperty(base, "line-color", match(cased, (s) => styleOf(gd, s).casing, NONE));
    map.setPaintProperty(base, "line-width", match(cased, (s) => styleOf(gd, s).casingWidth, 0));
  }

  /* The base layers and the slots outlined on each now: the mapped areas' own (`areaBase`, over shown.layer)
   * and one per other geometry (shown.others: url -> {id}). */
  function basesOf(shown, outlines, areaBase) {
    const used = (url) => Object.keys(outlines).filter((slot) => outlines[slot].url === url &&
                                                                   outlines[slot].codes.length);
    const bases = new Map([[areaBase, used(shown.layer)]]);
    shown.others.forEach((entry, url) => bases.set(entry.id, used(url)));
    return bases;
  }

  /* Called by explore_map.js after each draw with what it drew: `outlines` is slot -> {url, codes}. */
  function sync(map, gd, shown, outlines, areaBase) {
    forgetWithBase(map);
    watchReplots(gd);
    const slots = Object.keys(outlines);
    basesOf(shown, outlines, areaBase).forEach((used, base) => {
      if (!map.getLayer(base)) return;
      styleBase(map, gd, base, slots);
      const layers = ensureLayers(map, gd, base, slots);
      const shown = map.getLayoutProperty(base, "visibility") !== "none";
      outlined.set(map, (outlined.get(map) || new Map()).set(base, used));
      layers.forEach((group, id) => {
        const visible = shown && group.some((slot) => used.includes(slot)) ? "visible" : "none";
        if (map.getLayoutProperty(id, "visibility") !== visible) map.setLayoutProperty(id, "visibility", visible);
      });
      keepAbove(map, base, layers);
    });
  }

  /* Plotly may move layers when it redraws its own (practices, pin): put the patterns back above their bases. */
  function watchReplots(gd) {
    if (watched.has(gd)) return;
    watched.add(gd);
    gd.on("plotly_afterplot", () => {
      const subplot = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      const map = subplot && subplot.map;
      if (!map || !patterns.has(map)) return;
      patterns.get(map).forEach((layers, base) => { if (map.getLayer(base)) keepAbove(map, base, layers); });
    });
  }

  /* What is drawn, for the tests: one entry per pattern layer. */
  function describe(map) {
    const rows = [];
    (patterns.get(map) || new Map()).forEach((layers, base) => layers.forEach((group, id) => {
      if (!map.getLayer(id)) return;
      const used = (outlined.get(map) || new Map()).get(base) || [];
      rows.push({id: id, base: base, slots: group, dash: map.getPaintProperty(id, "line-dasharray") || [],
                 outlined: group.filter((slot) => used.includes(slot)),
                 visible: map.getLayoutProperty(id, "visibility") !== "none",
                 casing: map.getPaintProperty(base, "line-color")});
    }));
    return rows;
  }

  window.atlasOutlines = {sync: sync, describe: describe};
})();
