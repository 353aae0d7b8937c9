/* Explore map PNG (the camera button): the map as drawn on screen, with its title, legend and footnote.
 *
 * Plotly's own image export would rebuild the whole map off screen (about 14 s for London's LSOAs in
 * software WebGL) and cannot see the layers assets/explore_map.js draws. Instead the current frame is read
 * from MapLibre's canvas (drawn again at twice the pixel density when the screen has less), cropped to
 * London when all of London is in view, and laid out on a 2-D canvas with the title, the colour key, the
 * outlines and practices drawn, and the basis and attribution footnote. So the image shows exactly the
 * screen's colours and outlines. A status line says the image is being prepared; the file is named with
 * the view's export stem (layout/explore_map.py export_stem, carried by the measure cube).
 *
 * The map's place in the image is left in the graph's data-export-map attribute (the tests read it).
 */
(function () {
  "use strict";
  const {SCALE, status, capture, savePNG} = window.atlasAreaLayers;  // assets/area_layers.js
  const PAD = 16, GAP = 18, LEGEND = 260, SWATCH = 16, ROW = 20;
  const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  /* The part of the frame showing London (with a margin), or the whole frame when London is not all in view. */
  function crop(map, picture, bounds) {
    const css = map.getCanvas().clientWidth;
    const ratio = picture.width / css;
    const [west, south, east, north] = bounds;
    const a = map.project([west, north]), b = map.project([east, south]);
    const margin = 12;
    const box = {x: Math.floor(a.x - margin), y: Math.floor(a.y - margin), right: Math.ceil(b.x + margin),
                 bottom: Math.ceil(b.y + margin)};
    const inside = box.x >= 0 && box.y >= 0 && box.right * ratio <= picture.width &&
      box.bottom * ratio <= picture.height;
    if (!inside) return {x: 0, y: 0, width: picture.width, height: picture.height, ratio: ratio};
    return {x: box.x * ratio, y: box.y * ratio, width: (box.right - box.x) * ratio,
            height: (box.bottom - box.y) * ratio, ratio: ratio};
  }

  function wrapped(context, text, width) {
    const lines = [];
    text.split("<br>").forEach((paragraph) => {
      let line = "";
      paragraph.split(" ").forEach((word) => {
        const candidate = line ? `${line} ${word}` : word;
        if (line && context.measureText(candidate).width > width) {
          lines.push(line);
          line = word;
        } else {
          line = candidate;
        }
      });
      lines.push(line);
    });
    return lines;
  }

  function plain(html) {
    const element = document.createElement("span");
    element.innerHTML = html;
    return element.textContent.replace(/^\s*▬\s*/, "");
  }

  /* The legend as rows to draw: the colour key (highest first, or a ramp), the outlines shown, practices. */
  function legendRows(gd, view, cube, yi) {
    const classes = cube.schemes[view.scheme][yi];
    const rows = [];
    const ticks = classes.key.tickvals.map((value, i) => [value, classes.key.ticktext[i]]);
    const noData = classes.palette.length - 1;
    const missing = ticks.length && ticks[ticks.length - 1][0] === noData && /^no data/.test(ticks[ticks.length - 1][1]);
    if (view.scheme === "continuous" && !cube.categorical) {
      const onRamp = missing ? ticks.slice(0, -1) : ticks;
      rows.push({ramp: classes.palette.slice(0, missing ? -1 : undefined), ticks: onRamp});
      if (missing) rows.push({swatch: classes.palette[noData], text: ticks[ticks.length - 1][1]});
    } else {
      const classed = missing ? ticks.slice(0, -1) : ticks;
      classed.slice().reverse().forEach(([value, text]) => rows.push({swatch: classes.palette[value], text: text}));
      if (missing) rows.push({swatch: classes.palette[noData], text: ticks[ticks.length - 1][1]});
    }
    Object.entries(view.outlines).forEach(([slot, outline]) => {
      const trace = gd.data[slot];
      if (outline.codes.length && slot !== view.paint.slots.boroughs) {
        const everyMethod = view.everyMethod && slot === view.paint.slots.persistent;
        rows.push({line: trace.marker.line, pattern: trace.meta || {},
                   text: everyMethod ? view.paint.every_method : plain(trace.name)});
      }
    });
    const practices = gd._fullData.find((trace) => trace.type === "scattermap" && trace.visible === true &&
                                       trace.marker && trace.marker.colorscale && trace.lat.length);
    if (practices) rows.push({scale: practices.marker});
    return rows;
  }

  function drawLegend(context, rows, cube, x, y) {
    context.fillStyle = "#222";
    context.font = `600 13px ${FONT}`;
    context.fillText(cube.label, x, y + 12);
    y += 18;
    context.font = `11px ${FONT}`;
    context.fillStyle = "#555";
    cube.unit.split("<br>").forEach((line) => { context.fillText(line, x, y + 10); y += 14; });
    y += 6;
    rows.forEach((row) => {
      context.fillStyle = "#333";
      context.font = `11px ${FONT}`;
      if (row.swatch) {
        context.fillStyle = row.swatch;
        context.fillRect(x, y, SWATCH, SWATCH);
        context.strokeStyle = "#4d4d4d";
        context.strokeRect(x + 0.5, y + 0.5, SWATCH - 1, SWATCH - 1);
        context.fillStyle = "#333";
        context.fillText(row.text, x + SWATCH + 8, y + 12);
        y += ROW;
      } else if (row.ramp) {
        const height = 150;
        row.ramp.forEach((colour, i) => {
          context.fillStyle = colour;
          context.fillRect(x, y + height - (i + 1) * height / row.ramp.length, SWATCH, height / row.ramp.length + 1);
        });
        context.fillStyle = "#333";
        row.ticks.forEach(([value, text]) => {
          context.fillText(text, x + SWATCH + 8, y + height - value / (row.ramp.length - 1) * height + 4);
        });
        y += height + 10;
      } else if (row.line) {  // as the map draws it: casing, then the line in its pattern (explore_outlines.js)
        const width = row.line.width + 1;
        [[row.pattern.casing, row.pattern.casing_width + 1, []],
         [row.line.color, width, (row.pattern.dash || []).map((part) => part * width)]].forEach(([colour, w, dash]) => {
          if (!colour) return;
          Object.assign(context, {strokeStyle: colour, lineWidth: w, lineCap: dash.includes(0) ? "round" : "butt"});
          context.setLineDash(dash);
          context.beginPath();
          context.moveTo(x, y + 9);
          context.lineTo(x + SWATCH, y + 9);
          context.stroke();
        });
        context.setLineDash([]);
        context.lineCap = "butt";
        context.fillText(row.text, x + SWATCH + 8, y + 12);
        y += ROW;
      } else if (row.scale) {
        const gradient = context.createLinearGradient(x, 0, x + 150, 0);
        row.scale.colorscale.forEach(([stop, colour]) => gradient.addColorStop(stop, colour));
        context.fillText("GP practices (size = list):", x, y + 12);
        context.fillText("patients per GP FTE", x, y + 26);
        context.fillStyle = gradient;
        context.fillRect(x, y + 32, 150, 10);
        context.fillStyle = "#333";
        context.fillText(row.scale.cmin.toLocaleString("en-GB"), x, y + 56);
        const high = row.scale.cmax.toLocaleString("en-GB");
        context.fillText(high, x + 150 - context.measureText(high).width, y + 56);
        y += 64;
      }
    });
    return y;
  }

  async function exportImage(gd) {
    const state = window.atlasExport;
    if (!state || !state.shown.view || state.gd !== gd) return;
    const {map, shown} = state;
    const {view, cube, yi} = shown;
    const info = cube.info[yi];
    const done = status(gd, "Preparing the map image…");
    try {
      const picture = await capture(map);
      const part = crop(map, picture, view.paint.bounds);
      const width = part.width / part.ratio, height = part.height / part.ratio;  // CSS px
      const canvas = document.createElement("canvas");
      const context = canvas.getContext("2d");
      context.font = `10px ${FONT}`;
      const total = PAD + width + GAP + LEGEND + PAD;
      const footnote = wrapped(context, info.annotation, total - 2 * PAD);
      const rows = legendRows(gd, view, cube, yi);
      const legendHeight = 60 + rows.length * ROW + (view.scheme === "continuous" ? 160 : 0) + 70;
      const body = Math.max(height, legendHeight);
      canvas.width = Math.round(total * SCALE);
      canvas.height = Math.round((PAD + 30 + body + 10 + footnote.length * 13 + PAD) * SCALE);
      context.scale(SCALE, SCALE);
      context.fillStyle = "#fff";
      context.fillRect(0, 0, total, canvas.height / SCALE);
      context.fillStyle = "#222";
      context.font = `15px ${FONT}`;
      context.fillText(info.title, PAD, PAD + 15);
      const top = PAD + 30;
      context.drawImage(picture, part.x, part.y, part.width, part.height, PAD, top, width, height);
      drawLegend(context, rows, cube, PAD + width + GAP, top);
      context.fillStyle = "#444";
      context.font = `10px ${FONT}`;
      footnote.forEach((line, i) => context.fillText(line, PAD, top + body + 10 + (i + 1) * 13));
      gd.dataset.exportMap = JSON.stringify({x: PAD * SCALE, y: top * SCALE, width: width * SCALE,
                                             height: height * SCALE});
      await savePNG(canvas, `${info.stem}.png`);
    } catch (error) {
      console.error("explore map PNG:", error);
    } finally {
      done();
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("#explore-map .modebar-btn");
    if (!button || button.getAttribute("data-title") !== "Download plot as a PNG") return;
    event.stopImmediatePropagation();  // instead of Plotly's export, which would leave the areas out
    exportImage(document.querySelector("#explore-map .js-plotly-plot"));
  }, true);
})();
