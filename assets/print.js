/* Printing keeps the maps.
 *
 * A MapLibre map is a WebGL canvas whose drawing buffer is cleared once it is on screen, so a printed page
 * shows an empty box where the map was. Just before printing (beforeprint, or the print media query turning
 * on, as when a test emulates print), each map is redrawn synchronously and copied into a 2D canvas laid
 * over it: the printout shows exactly the map on screen, with Plotly's title, footnote and dots (SVG) on top.
 *
 * A printed page is narrower than most screens (A4 landscape: 277 x 190 mm inside 10 mm margins), and Plotly
 * keeps each plot's pixel size, so each plot is scaled down (CSS zoom) to the width of its column on paper:
 * the Explore map's column, the side panel's, or the whole page (the same widths as assets/print.css).
 * Everything is undone after printing.
 */
(function () {
  "use strict";
  const MM = 96 / 25.4;                               // CSS pixels per millimetre
  const PAGE = {width: 277 * MM, height: 190 * MM};
  const COLUMNS = [                                   // print column widths (assets/print.css) and map heights
    {selector: ".print-mode .map-column, .printing .map-column", width: 0.62, height: 132 * MM},
    {selector: ".panel-column", width: 0.36, height: 60 * MM},
  ];
  const FULL = {width: 1, height: 120 * MM};

  function plots() {
    return [...document.querySelectorAll(".js-plotly-plot")].filter((gd) => gd._fullLayout);
  }

  function mapOf(gd) {
    const subplot = gd._fullLayout.map && gd._fullLayout.map._subplot;
    return subplot && subplot.map;
  }

  function snapshot(map) {
    const gl = map.getCanvas();
    const container = map.getContainer();
    let copy = container.querySelector("canvas.print-snapshot");
    if (!copy) {
      copy = document.createElement("canvas");
      copy.className = "print-snapshot";
      copy.setAttribute("aria-hidden", "true");
      container.appendChild(copy);
    }
    try {
      map.redraw();  // synchronous: the drawing buffer holds this frame until the task ends
    } catch (error) {
      console.warn("print: map redraw failed", error);
    }
    copy.width = gl.width;
    copy.height = gl.height;
    copy.style.width = gl.style.width || `${gl.clientWidth}px`;
    copy.style.height = gl.style.height || `${gl.clientHeight}px`;
    copy.getContext("2d").drawImage(gl, 0, 0);
  }

  /* The plot keeps its pixel size (Plotly's, fixed while printing) and is zoomed to its paper column; the
   * graph's container takes the zoomed height. Inline styles, restored after printing. */
  const saved = new Map();
  function fit(gd) {
    const column = COLUMNS.find((c) => gd.closest(c.selector)) || FULL;
    const {width, height} = gd._fullLayout;
    const scale = Math.min(1, (PAGE.width * column.width) / width, column.height / height);
    const container = gd.parentElement;
    saved.set(gd, [gd.getAttribute("style"), container.getAttribute("style")]);
    gd.style.setProperty("width", `${width}px`, "important");
    gd.style.setProperty("height", `${height}px`, "important");
    gd.style.zoom = String(scale);
    container.style.setProperty("height", `${Math.ceil(height * scale)}px`, "important");
    container.style.setProperty("min-height", "0", "important");
  }

  function unfit() {
    saved.forEach(([plotStyle, containerStyle], gd) => {
      const restore = (element, style) => (style === null ? element.removeAttribute("style")
                                                          : element.setAttribute("style", style));
      restore(gd, plotStyle);
      if (gd.parentElement) restore(gd.parentElement, containerStyle);
    });
    saved.clear();
  }

  function beforePrint() {
    if (document.documentElement.classList.contains("printing")) return;
    document.documentElement.classList.add("printing");
    plots().forEach((gd) => {
      const map = mapOf(gd);
      if (map) snapshot(map);
      fit(gd);
    });
    document.documentElement.dataset.printReady = String(Date.now());
  }

  function afterPrint() {
    document.documentElement.classList.remove("printing");
    document.querySelectorAll("canvas.print-snapshot").forEach((copy) => copy.remove());
    unfit();
    delete document.documentElement.dataset.printReady;
  }

  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  const media = window.matchMedia("print");
  media.addEventListener("change", (event) => (event.matches ? beforePrint() : afterPrint()));
})();
