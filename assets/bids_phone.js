/* Bids map on a phone: the colour bar and the trace legend move from over the map to a band below it.
 *
 * On a wide screen the server's figure (layout/bids/map.py) floats both over the map's corners; on a 390 px
 * phone they would cover most of London. Below Bootstrap's md breakpoint the map takes the top of a taller
 * graph (assets/atlas.css), the colour bar lies under it with its class labels beside it, and the legend runs
 * across the bottom. Every new figure from the server is laid out again after it is drawn.
 */
(function () {
  "use strict";
  const NARROW = 768;  // px: below Bootstrap's md breakpoint, as assets/map_fit.js
  const BAND = 290;    // px under the map for the colour bar (its title, five classes) and the legend
  const BAR = 165;     // px of colour bar

  /* Plotly's map follows the plot area but not a new domain, so the band is a bottom margin, and the keys are
   * placed in it by fractions of the plot area's height. */
  function wanted(gd) {
    const area = gd._fullLayout.height - gd._fullLayout.margin.t - BAND;
    return {
      layout: {"margin.b": BAND, "legend.orientation": "h", "legend.x": 0, "legend.xanchor": "left",
               "legend.y": -(BAND - 4) / area, "legend.yanchor": "bottom", "legend.bgcolor": "#ffffff"},
      bar: {"colorbar.x": 0, "colorbar.xanchor": "left", "colorbar.y": -12 / area, "colorbar.yanchor": "top",
            "colorbar.len": BAR / area, "colorbar.lenmode": "fraction", "colorbar.thickness": 12,
            "colorbar.bgcolor": "#ffffff"},
    };
  }
  const busy = new WeakSet();
  const watched = new WeakSet();

  function laidOut(gd) {
    const areas = gd._fullData[0] || {};
    const bar = areas.colorbar || {};
    return gd._fullLayout.margin.b === BAND && (gd._fullLayout.legend || {}).orientation === "h" &&
      (!areas.showscale || (bar.x === 0 && bar.yanchor === "top"));  // no bar before any bid is scored
  }

  /* Only once MapLibre has its style: an update before that finds no layers to move. */
  function drawn(gd) {
    const layout = gd._fullLayout;
    const subplot = layout && layout.map && layout.map._subplot;
    return !!(subplot && subplot.map && subplot.map.isStyleLoaded() && gd._fullData && gd._fullData.length);
  }

  function place(gd) {
    if (busy.has(gd) || window.innerWidth >= NARROW || !window.Plotly || !drawn(gd) || laidOut(gd)) return;
    busy.add(gd);
    const keys = wanted(gd);
    window.Plotly.update(gd, keys.bar, keys.layout, [0])
      .catch((error) => console.warn("bids map keys:", error))
      .finally(() => busy.delete(gd));
  }

  setInterval(() => {
    const gd = document.querySelector("#bids-map .js-plotly-plot");
    if (!gd || !gd.on) return;
    if (!watched.has(gd)) {
      watched.add(gd);
      gd.on("plotly_afterplot", () => place(gd));
    }
    place(gd);
  }, 400);
})();
