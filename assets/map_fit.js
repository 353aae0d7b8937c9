/* Phones and embeds: the Explore map fills its frame (the colour legend moves below it, or inside it in an
 * embed: assets/atlas.css) and opens on the whole of London, unless the link names a camera. On a wide
 * screen the server's framing stands: the map beside its legend at London's usual zoom. */
(function () {
  "use strict";
  const fitting = new WeakSet();  // plots with a relayout under way
  const LONDON = {west: -0.52, east: 0.34, south: 51.28, north: 51.70};
  const NARROW = 768;     // px: below Bootstrap's md breakpoint
  const TILE = 512;       // MapLibre's tile size: the world is TILE * 2^zoom pixels wide
  const MARGIN = 0.94;    // share of the frame London may take

  function wanted() {
    const shell = document.getElementById("shell");
    return (shell && shell.classList.contains("embed")) || window.innerWidth < NARROW;
  }

  function mercatorY(lat) {
    const phi = (lat * Math.PI) / 180;
    return Math.log(Math.tan(Math.PI / 4 + phi / 2));
  }

  function londonZoom(width, height) {
    const byWidth = Math.log2((width * MARGIN * 360) / (TILE * (LONDON.east - LONDON.west)));
    const span = mercatorY(LONDON.north) - mercatorY(LONDON.south);
    const byHeight = Math.log2((height * MARGIN * 2 * Math.PI) / (TILE * span));
    return Math.round(Math.min(byWidth, byHeight) * 100) / 100;
  }

  function fit(gd) {
    const layout = gd._fullLayout;
    if (fitting.has(gd) || !wanted() || !layout || !layout.map || !window.Plotly) return;
    const subplot = layout.map._subplot;  // wait for the first painted frame: a style still loading has no layers
    if (!gd.dataset.painted || !subplot || !subplot.map || !subplot.map.isStyleLoaded()) return;
    const domain = layout.map.domain.x;
    if (domain[0] === 0 && domain[1] === 1) return;
    const update = {"map.domain.x": [0, 1]};
    const query = new URLSearchParams(window.location.search);
    if (!query.has("zoom") && !query.has("lat")) {
      update["map.zoom"] = londonZoom(layout.width, layout.height - layout.margin.t);
      update["map.center"] = {lat: (LONDON.north + LONDON.south) / 2, lon: (LONDON.east + LONDON.west) / 2};
    }
    fitting.add(gd);
    window.Plotly.relayout(gd, update).finally(() => fitting.delete(gd));
  }

  const watched = new WeakSet();
  setInterval(() => {
    const gd = document.querySelector("#explore-map .js-plotly-plot");
    if (!gd || !gd._fullLayout || !gd.on) return;
    if (!watched.has(gd)) {
      watched.add(gd);
      gd.on("plotly_afterplot", () => fit(gd));
    }
    fit(gd);
  }, 400);
})();
