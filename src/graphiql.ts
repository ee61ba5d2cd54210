// GraphiQL served by the server itself. Yoga's default page loads its script, styles and Monaco
// workers from a public CDN, which stays at "Loading…" with no network, in an air-gapped
// deployment or behind a strict Content-Security-Policy. The same files ship in the npm package
// @graphql-yoga/render-graphiql (as strings, with no dependencies of their own): they are served
// here under /graphiql/<version>/, and the page Yoga renders points at them.
//
// The assets are public (the GraphiQL page needs no key either, SPEC §3) and sit outside /graphql
// and /v1, so authentication-first is unchanged. Their URL carries the package version, so a
// browser may cache them for good. They are loaded and gzipped on first use: a server that never
// shows GraphiQL never holds the 9 MB of strings.

import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type { GraphiQLOptions } from 'graphql-yoga';

export const GRAPHIQL_ASSETS_PREFIX = '/graphiql/';

const require = createRequire(import.meta.url);
const VERSION: string = require('@graphql-yoga/render-graphiql/package.json').version;
const BASE = `${GRAPHIQL_ASSETS_PREFIX}${VERSION}/`;

type AssetSource = 'js' | 'css' | 'editorWorkerService' | 'jsonWorker' | 'graphqlWorker' | 'favicon';

const ASSETS: Record<string, { source: AssetSource; contentType: string }> = {
  'yoga-graphiql.js': { source: 'js', contentType: 'text/javascript; charset=utf-8' },
  'graphiql.css': { source: 'css', contentType: 'text/css; charset=utf-8' },
  'editor.worker.js': { source: 'editorWorkerService', contentType: 'text/javascript; charset=utf-8' },
  'json.worker.js': { source: 'jsonWorker', contentType: 'text/javascript; charset=utf-8' },
  'graphql.worker.js': { source: 'graphqlWorker', contentType: 'text/javascript; charset=utf-8' },
  'favicon.ico': { source: 'favicon', contentType: 'image/x-icon' },
};

// Our own start-up script, served like the package's files: the page has no inline script, so a
// Content-Security-Policy of script-src 'self' holds.
const START_SCRIPT = `'use strict';
(function () {
  var base = document.currentScript.src.replace(/start\\.js$/, '');
  var workers = {
    editorWorkerService: base + 'editor.worker.js',
    json: base + 'json.worker.js',
    graphql: base + 'graphql.worker.js',
  };
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) { return workers[label] || workers.editorWorkerService; },
  };
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

/** The page's policy: everything from this origin; Monaco sets inline styles and loads fonts as data URLs. */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside <script type="application/json">: `<` escaped so no string can close the element. */
function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Yoga's `renderGraphiQL`: the GraphiQL page, loading everything from this server. */
export function renderGraphiQL(options: GraphiQLOptions = {}): string {
  const title = escapeHtml(options.title ?? 'GraphiQL');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="icon" href="${BASE}favicon.ico">
<link rel="stylesheet" href="${BASE}graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to use GraphiQL.</noscript>
<div id="root">Loading ${title}…</div>
<script id="graphiql-options" type="application/json">${jsonForScriptElement(options)}</script>
<script src="${BASE}yoga-graphiql.js"></script>
<script src="${BASE}start.js"></script>
</body>
</html>
`;
}

interface LoadedAsset {
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
  gzipped: Uint8Array<ArrayBuffer> | null;
  etag: string;
}

const loaded = new Map<string, LoadedAsset>();
let sources: Record<AssetSource, string> | undefined;

function load(name: string): LoadedAsset | undefined {
  const cached = loaded.get(name);
  if (cached) return cached;
  let text: string;
  let contentType: string;
  if (name === 'start.js') {
    text = START_SCRIPT;
    contentType = 'text/javascript; charset=utf-8';
  } else {
    // Own names only: "constructor" or "__proto__" are not assets.
    if (!Object.hasOwn(ASSETS, name)) return undefined;
    const asset = ASSETS[name];
    if (asset === undefined) return undefined;
    sources ??= require('@graphql-yoga/render-graphiql/graphiql') as Record<AssetSource, string>;
    text = sources[asset.source];
    contentType = asset.contentType;
  }
  let body: Uint8Array<ArrayBuffer>;
  if (name === 'favicon.ico') {
    body = new Uint8Array(Buffer.from(text.slice(text.indexOf(',') + 1), 'base64'));
  } else {
    body = new Uint8Array(Buffer.from(text, 'utf8'));
  }
  // An icon is already compressed; text shrinks to about a quarter.
  const gzipped = name === 'favicon.ico' ? null : new Uint8Array(gzipSync(body));
  const entry = { contentType, body, gzipped, etag: `"${VERSION}-${name}"` };
  loaded.set(name, entry);
  return entry;
}

const CACHE_FOREVER = 'public, max-age=31536000, immutable';

/**
 * The answer for a path under /graphiql/: an asset of this version (GET or HEAD), 404 for any
 * other name or version (never cached, so an upgrade is picked up), 405 for other methods.
 */
export function graphiqlAssetResponse(request: Request, pathname: string): Response {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response(null, { status: 405, headers: { Allow: 'GET, HEAD' } });
  }
  const asset = pathname.startsWith(BASE) ? load(pathname.slice(BASE.length)) : undefined;
  if (asset === undefined) {
    return new Response('Not found\n', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    });
  }
  const headers: Record<string, string> = {
    'Content-Type': asset.contentType,
    'Cache-Control': CACHE_FOREVER,
    ETag: asset.etag,
    Vary: 'Accept-Encoding',
    'X-Content-Type-Options': 'nosniff',
  };
  if (request.headers.get('if-none-match') === asset.etag) return new Response(null, { status: 304, headers });
  const gzip = asset.gzipped !== null && /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
  const body = gzip ? (asset.gzipped as Uint8Array<ArrayBuffer>) : asset.body;
  if (gzip) headers['Content-Encoding'] = 'gzip';
  headers['Content-Length'] = String(body.byteLength);
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
}
