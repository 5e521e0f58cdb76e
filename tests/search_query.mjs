// Run search queries against a built site's Pagefind bundle, in Node, with
// the site's own generated pagefind.js (the same code the browser runs).
//
//   node tests/search_query.mjs SITE_DIR < queries.json > results.json
//
// (static/js/search.js is an ES module without a package.json "type"; add
// --disable-warning=MODULE_TYPELESS_PACKAGE_JSON to silence Node's notice.)
//
// stdin:  [{"q": "接待", "filters": {"年度": ["2024"]}, "sort": {"预算金额": "desc"}, "limit": 10}, …]
//         ("q": null runs a filter-only search; "content": true adds each
//         hit's indexed text.)
// stdout: {"version": "1.5.2", "filters": {filter: {value: count}},
//          "results": [{"q", "filters", "total", "progress" (the bundles searched),
//                       "counts": {filter: {value: count}} (the search's, which Pagefind UI shows),
//                       "hits": [{"url", "title", "excerpt", "shown", "meta", "filters", "score"}]}]}
// "excerpt" is Pagefind's own excerpt; "shown" is what the /search/ page
// displays instead (displayExcerpt() of static/js/search.js).
//
// Node has no fetch() for file: URLs, so the script answers Pagefind's
// requests for bundle files from disk; everything else (wasm, index chunks,
// decompression, ranking) is Pagefind's own code.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { displayExcerpt } from "../static/js/search.js";

const site = process.argv[2];
if (!site) {
  console.error("usage: node search_query.mjs SITE_DIR < queries.json");
  process.exit(2);
}
const bundle = path.resolve(site, "pagefind");
const bundleUrl = pathToFileURL(bundle + "/").href;

const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = typeof input === "string" ? input : input.url ?? String(input);
  if (url.startsWith("file:")) {
    try {
      const data = await readFile(fileURLToPath(url));
      const type = url.endsWith(".json") ? "application/json" : "application/octet-stream";
      return new Response(data, { status: 200, headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  }
  return realFetch(input, init);
};

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

// pagefind.js picks the index language, and with it whether the query is
// word-segmented (Intl.Segmenter for zh/ja/th), from <html lang>. Give it the
// site's language, as a browser would.
const lang = process.env.SEARCH_LANG || "zh-CN";
globalThis.document = {
  currentScript: null,
  querySelector: (sel) => (sel === "html" ? { getAttribute: (a) => (a === "lang" ? lang : null) } : null),
};

const queries = JSON.parse(await readStdin());
// The module the /search/ page loads: it searches every bundle of the index
// (a large site's index is in bundles by region; see site_builder/search/parts.js),
// or, with SEARCH_SCOPE=<division code>, those of that region (and the site-wide one).
const pagefind = await import(bundleUrl + "merged/pagefind.js");
if (process.env.SEARCH_SCOPE) pagefind.scope(process.env.SEARCH_SCOPE);
// SEARCH_STEPWISE=1: bundle by bundle, as the /search/ page searches (search/parts.js)
if (process.env.SEARCH_STEPWISE) pagefind.stepwise(true);
await pagefind.options({ baseUrl: "/", noWorker: true });
await pagefind.init();

// filters() after the queries: the first search runs before anything asked
// for the filters, as Pagefind UI's first search can.
const out = { version: null, filters: null, results: [] };
for (const q of queries) {
  const opts = {};
  if (q.filters) opts.filters = q.filters;
  if (q.sort) opts.sort = q.sort;
  const search = await pagefind.search(q.q ?? null, opts);
  const limit = q.limit ?? 10;
  const hits = [];
  for (const r of search.results.slice(0, limit)) {
    const d = await r.data();
    hits.push({
      url: d.url,
      title: d.meta?.title ?? null,
      excerpt: d.excerpt,
      shown: displayExcerpt(d, q.q ?? ""),
      meta: d.meta,
      filters: d.filters,
      score: r.score,
      ...(q.content ? { content: d.content, plain_excerpt: d.plain_excerpt } : {}),
    });
  }
  out.results.push({ q: q.q ?? null, filters: q.filters ?? null, total: search.results.length, counts: search.filters, hits,
                     progress: pagefind.progress?.() ?? null });
}
out.filters = await pagefind.filters();
try {
  const entry = JSON.parse(await readFile(path.join(bundle, "b", "site", "pagefind-entry.json"), "utf8"));
  out.version = entry.version;
} catch {}
process.stdout.write(JSON.stringify(out));
