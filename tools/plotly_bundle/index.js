// The plotly.js the atlas loads: the core (with the scatter trace and the en/en-US locales) and only the trace
// types its figures use (layout/, callbacks/). A figure of any other type would not draw: add its module here,
// rebuild (build.js), and tests/test_plotly_bundle.py checks the list against layout/.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/box'),
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/scattermap'),
]);

module.exports = Plotly;
