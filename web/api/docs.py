"""The API's own description (OpenAPI 3.1) and a page to read it, with no external scripts."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from web.http.openapi import build_spec
from web.http.operations import operation

routes = web.RouteTableDef()


def _version() -> str:
    try:
        return version("rollcall")
    except PackageNotFoundError:
        return "0+unknown"


@routes.get("/api/openapi.json")
@operation(
    "This document: every route, who may call it, its body and responses",
    auth="teacher",
    tag="docs",
)
async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(build_spec(request.app, "Rollcall", _version()))


# Reads the document with the signed-in browser's cookie and lists every operation; plain
# script so it works on a closed network.
_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rollcall API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;
color:#111;background:#fff}
h2{margin-top:2rem;border-bottom:1px solid #ccc}
.op{margin:.75rem 0;padding:.5rem .75rem;border:1px solid #ddd;border-radius:6px}
.m{font-weight:700;display:inline-block;min-width:4.5rem}
code{background:#f2f2f2;padding:0 .25rem}
.role{color:#5a3e00}
</style></head>
<body><main><h1>Rollcall API</h1>
<p>Every error is <code>{"error": {"code", "message", "request_id"}}</code>.
Send <code>Authorization: Bearer &lt;token&gt;</code> from <code>POST /api/auth/login</code>.
The machine-readable document is <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<div id="ops" aria-live="polite">Loading…</div></main>
<script>
fetch('/api/openapi.json', {credentials: 'same-origin'}).then(r => r.json()).then(doc => {
  const root = document.getElementById('ops');
  if (!doc.paths) { root.textContent = doc.error ? doc.error.message : 'not available'; return; }
  root.textContent = '';
  const byTag = {};
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods))
      (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push([method, path, op]);
  for (const tag of Object.keys(byTag).sort()) {
    const h = document.createElement('h2'); h.textContent = tag; root.appendChild(h);
    for (const [method, path, op] of byTag[tag]) {
      const d = document.createElement('div'); d.className = 'op';
      const m = document.createElement('span'); m.className = 'm';
      m.textContent = method.toUpperCase();
      const p = document.createElement('code'); p.textContent = path;
      const s = document.createElement('div'); s.textContent = op.summary;
      d.append(m, p, s);
      if (op['x-rollcall-role']) {
        const r = document.createElement('div'); r.className = 'role';
        r.textContent = 'needs: ' + op['x-rollcall-role']; d.appendChild(r);
      }
      root.appendChild(d);
    }
  }
});
</script></body></html>
"""


@routes.get("/api/docs")
@operation(
    "A readable page of the API description", auth="teacher", tag="docs", success_media="text/html"
)
async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=_DOCS_PAGE, content_type="text/html")
