// Builds ../../vendor/plotly-atlas.min.js from index.js: `npm ci && npm run build` in this folder.
// The options are plotly.js's own (its esbuild-config.js) minus what only WebGL traces need; the banner names the
// plotly.js version and the trace types, which tests/test_plotly_bundle.py reads.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const OUT = path.join(__dirname, '..', '..', 'vendor', 'plotly-atlas.min.js');
const ENTRY = path.join(__dirname, 'index.js');

function traceTypes() {
    const names = [...fs.readFileSync(ENTRY, 'utf8').matchAll(/require\('plotly\.js\/lib\/(\w+)'\)/g)].map((m) => m[1]);
    return ['scatter', ...names.filter((name) => name !== 'core')].sort();  // the core registers scatter itself
}

// MapLibre's stylesheet, which plotly.js requires from JavaScript, injected once as a <style> (as plotly.js does).
const inlineCss = {
    name: 'inline-css',
    setup(build) {
        build.onLoad({ filter: /\.css$/ }, async (args) => {
            const css = (await esbuild.transform(fs.readFileSync(args.path, 'utf8'), { loader: 'css', minify: true })).code;
            const id = crypto.createHash('sha256').update(css).digest('hex');
            return {
                loader: 'js',
                contents: `if (!document.getElementById(${JSON.stringify(id)})) {
                    var style = document.createElement('style');
                    style.id = ${JSON.stringify(id)};
                    style.textContent = ${JSON.stringify(css.trim())};
                    document.head.appendChild(style);
                }`,
            };
        });
    },
};

const version = require('plotly.js/package.json').version;
esbuild.build({
    entryPoints: [ENTRY],
    outfile: OUT,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    target: 'es2016',
    define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
    plugins: [inlineCss],
    banner: { js: `/*! plotly.js v${version} (MIT licence, Plotly, Inc.), partial bundle; traces: ${traceTypes().join(', ')} */` },
    logLevel: 'info',
}).catch(() => process.exit(1));
