// One search over the bundles of a site's Pagefind index, or over those of
// the reader's region.
//
// site_builder/search/ indexes a province-sized site in bundles by region
// (plan_bundles: a province's pages, or each city's, or each county's, and
// one bundle for the pages no region owns) and copies this file to
// /pagefind/merged/pagefind.js with BUNDLES filled in. The search page gives
// Pagefind UI /pagefind/merged/ as its bundle, so the UI imports this module
// instead of Pagefind's own and calls the same functions; the tests do the
// same in Node and Chromium.
//
// Before the first search the page may name a region (scope(code)): only the
// bundles that hold its pages are searched, with the site-wide one, so a
// reader's first search fetches one region's index, not the province's.
// Without a scope every bundle is searched.
//
// The search page also asks for a search bundle by bundle (stepwise()): a
// search by words then searches the bundles in order, the site-wide one
// first, and stops adding bundles once ENOUGH results are found, so a search
// everywhere at 10,000 filings fetches two of 39 bundles' indexes, not all of
// them (several MB). A search with a sort or a filter, or without words, is
// over every searched bundle: its order and counts must be the whole
// region's. progress() says how many bundles the last search covered; the
// page offers the rest (all bundles: stepwise(false)). A query that names a
// place (a bundle's places) is searched in that place's bundles first.
//
// Each bundle is its own Pagefind instance (createInstance()), searched once
// (Pagefind's mergeIndex() runs a search in every merged index and filters
// afterwards). Searching the bundles apart also keeps two things right that
// Pagefind's merged search gets wrong across indexes:
// - with a sort, each bundle's results are in order; the bundles' are merged
//   by the amount each result's page carries, for the first MERGED results
//   (their fragments are fetched; the rest follow bundle by bundle);
// - a bundle that lacks a query word matches stand-ins for it (see
//   isReal), which one index over the whole site would not.
// By relevance, results are ordered by score, and filter counts are added up
// (the bundles hold different pages). Only the site-wide bundle's
// WebAssembly file is real; its instance is made first, and the others,
// 12-byte stubs, are never compiled (search/__init__.py, PART_WASM_STUB).
import * as pagefind from "../pagefind.js";

/** The bundles, the site-wide one first: key (a division code, or "site"),
 * folder (relative to this file), pages, the region's name, and the short
 * names of the places whose pages it holds. */
const BUNDLES = [{ key: "site", folder: "../b/site/" }]; // filled in by site_builder/search/

/** Results of a sorted search merged exactly across bundles. */
export const MERGED = 50;

/** Results a stepwise search wants before it stops adding bundles: two of
 * Pagefind UI's screens of five. */
export const ENOUGH = 10;

let settings = {};
let chosen = null; // the region code a search is limited to (null: everywhere)
let step = false; // stepwise(): a search by words adds bundles until ENOUGH results
const made = new Map(); // bundle key → { part: its Pagefind instance, counts: its filters' counts }
let making = Promise.resolve(); // instances are made one batch at a time
let last = null; // progress() of the last search
const listeners = [];

/** The bundles there are (for the page's choice of region). */
export function bundles() {
  return BUNDLES.map(({ key, name, pages }) => ({ key, name, pages }));
}

/** Whether bundle ``key`` holds pages of region ``code``: the bundle of a
 * province, city or county that contains the region, or one inside it. */
function holds(key, code) {
  const k = key.split("-")[0];
  return k.startsWith(code) || code.startsWith(k);
}

/** Limit the searches to region ``code`` (a division code; null: everywhere).
 * Called before the first search; returns the bundles it searches. */
export function scope(code) {
  chosen = code && BUNDLES.some((b) => b.key !== "site" && holds(b.key, code)) ? String(code) : null;
  return searched().map((b) => b.key);
}

/** Search bundle by bundle (see the top of this file), or every searched
 * bundle at once (``on`` false, the default). Called before the first search. */
export function stepwise(on = true) {
  step = Boolean(on);
}

/** What the last search covered: its term, the bundles it searched (key and
 * name, in the order searched), how many bundles there are to search, and
 * whether it searched them all. */
export function progress() {
  return last;
}

/** Call ``listener`` with progress() after each search. */
export function listen(listener) {
  listeners.push(listener);
}

function searched() {
  return BUNDLES.filter((b) => b.key === "site" || !chosen || holds(b.key, chosen));
}

/** The searched regions' bundles that hold a place the query names (a
 * place's short name, or that name without its last character: 润丰县 or
 * 润丰). */
function named(term) {
  const text = typedParts(term).join("");
  const said = (place) => text.includes(place) || (place.length > 2 && text.includes(place.slice(0, -1)));
  return searched().filter((b) => b.key !== "site" && (b.places || []).some(said));
}

/** Instances made for bundles ``keys`` and their filter data loaded.
 * Pagefind's search() loads only the filters it is asked to filter by and
 * counts results over the filters it has loaded; Pagefind UI replaces its
 * filter panel with a search's counts, so a first search that beat the UI's
 * own filters() call showed a panel missing filters (seen on a loaded CI
 * machine: four of five). Loading a bundle's filters with its instance
 * orders it. */
function load(keys) {
  const next = making.then(async () => {
    const make = (key) => pagefind.createInstance({
      ...settings, basePath: new URL(BUNDLES.find((b) => b.key === key).folder, import.meta.url).href });
    if (!made.size) {
      // The site-wide bundle's instance loads the WebAssembly before the
      // others are made: instances made together each compiled it, and the
      // last one replaced the module the earlier ones had put their index in
      // ("memory access out of bounds"). Made later, they reuse it.
      const part = make("site");
      made.set("site", { part, counts: await part.filters() });
    }
    const fresh = [...new Set(keys)].filter((key) => !made.has(key)).map((key) => [key, make(key)]);
    const counts = await Promise.all(fresh.map(([, part]) => part.filters()));
    fresh.forEach(([key, part], i) => made.set(key, { part, counts: counts[i] }));
  });
  making = next.catch(() => {}); // a bundle that failed to load fails its search, not every later one
  return next;
}

/** The instances every search needs: every searched bundle's, or, in steps,
 * the site-wide one's. */
function start() {
  return load(step ? ["site"] : searched().map((b) => b.key));
}

function instances() {
  return [...made.values()].map((m) => m.part);
}

function addUp(counts) {
  const total = {};
  for (const byFilter of counts) {
    for (const [name, values] of Object.entries(byFilter || {})) {
      const into = (total[name] ??= {});
      for (const [value, n] of Object.entries(values)) into[value] = (into[value] || 0) + n;
    }
  }
  return total;
}

export async function options(opts = {}) {
  settings = { ...settings, ...opts };
  await making;
  await Promise.all(instances().map((part) => part.options(opts)));
}

export async function init() {
  await start();
  await Promise.all(instances().map((part) => part.init()));
}

/** The filters and their counts over the bundles loaded so far (filter data
 * never changes: counted once per instance, in load()). */
export async function filters() {
  await start();
  return addUp([...made.values()].map((m) => m.counts));
}

export async function preload(term, opts = {}) {
  await start();
  await Promise.all(instances().map((part) => part.preload(term, opts)));
}

export async function search(term, opts = {}) {
  await start();
  const found = await searchParts(term, opts);
  if (!found || term === null || term === undefined) return found;
  return namesFirst(await asTyped(found, term), term);
}

/** Whether a search must cover every searched bundle: one with a sort or a
 * filter, or without words. */
function whole(term, opts) {
  const filtered = Object.values(opts.filters || {}).some((v) => (Array.isArray(v) ? v.length : v));
  return !step || term === null || term === undefined || filtered || Object.keys(opts.sort || {}).length > 0;
}

/** The bundles a search covers, in groups searched one after another: every
 * searched bundle at once; or the site-wide one with the bundles of the
 * places the query names, or with the first region's, then one bundle at a
 * time. */
function steps(term, opts) {
  const all = searched();
  if (whole(term, opts)) return { groups: [all], named: false };
  const places = named(term);
  const first = ["site", ...(places.length ? places : all.slice(1, 2)).map((b) => b.key)];
  const groups = [all.filter((b) => first.includes(b.key)), ...all.filter((b) => !first.includes(b.key)).map((b) => [b])];
  return { groups, named: places.length > 0 };
}

async function searchParts(term, opts) {
  const words = queryWords(term);
  const found = []; // { key, name, found, real } in the order searched
  const { groups, named } = steps(term, opts);
  const count = () => found.reduce((n, f) => n + (f.real ? f.found.results.length : 0), 0);
  for (const [i, group] of groups.entries()) {
    await load(group.map((b) => b.key));
    const results = await Promise.all(group.map((b) => made.get(b.key).part.search(term, opts)));
    const real = await Promise.all(results.map((r) => isReal(r, words)));
    found.push(...group.map((b, j) => ({ key: b.key, name: b.name, found: results[j], real: real[j] })));
    // enough results; or a query that names a place, answered by its bundles
    if (count() >= ENOUGH || (named && i === 0 && count() > 0)) break;
  }
  const total = searched().length;
  last = { term, searched: found.map(({ key, name }) => ({ key, name })), total, complete: found.length >= total };
  for (const listener of listeners) listener(last);
  // Parts of stand-ins are dropped, unless no part found anything real
  // (then, as one index would, all are kept).
  const kept = (found.length > 1 && found.some((f) => f.real) ? found.filter((f) => f.real) : found).map((f) => f.found);
  const byPart = found.map((f) => f.found);
  const direction = Object.values(opts.sort || {})[0];
  const results = direction === "asc" || direction === "desc"
    ? await sortedMerge(kept.map((f) => f.results), direction)
    : kept.flatMap((f) => f.results).sort((a, b) => b.score - a.score);
  return {
    results,
    unfilteredResultCount: byPart.reduce((n, f) => n + f.unfilteredResultCount, 0),
    totalFilters: addUp(byPart.map((f) => f.totalFilters)),
    filters: addUp(kept.map((f) => f.filters)),
    timings: byPart.flatMap((f) => f.timings ?? []),
  };
}

/** Results sorted by amount across bundles whose own results are sorted:
 * the first MERGED by their pages' sort value (a result without one last),
 * the rest bundle by bundle. */
async function sortedMerge(lists, direction) {
  // Pagefind leaves out of a sorted search the pages without the sort, but
  // a bundle none of whose pages has it (the site-wide one) ignores the sort
  // and lists everything: its results are none of one index's.
  const firsts = await Promise.all(lists.map((l) => (l.length ? l[0].data() : null)));
  lists = lists.filter((l, i) => l.length && Number.isFinite(Number.parseFloat(
    String(firsts[i]?.meta?.amount || "").replace(/,/g, ""))));
  if (lists.length < 2) return lists.flat();
  // a page's sort value is not in its fragment; its amount is, printed
  // ("1,234.56 万元", pages/search_fields.py): the same number
  const value = async (r) => {
    const v = Number.parseFloat(String((await r.data()).meta?.amount || "").replace(/,/g, ""));
    return Number.isFinite(v) ? v : null;
  };
  const heads = lists.map(() => 0);
  const cache = new Map();
  const at = async (i) => {
    const r = lists[i][heads[i]];
    if (!cache.has(r)) cache.set(r, await value(r));
    return cache.get(r);
  };
  const out = [];
  while (out.length < MERGED) {
    let best = -1;
    let bestValue = null;
    for (let i = 0; i < lists.length; i++) {
      if (heads[i] >= lists[i].length) continue;
      const v = await at(i);
      const better = best < 0 || (bestValue === null && v !== null)
        || (v !== null && bestValue !== null && (direction === "desc" ? v > bestValue : v < bestValue));
      if (better) {
        best = i;
        bestValue = v;
      }
    }
    if (best < 0) break;
    out.push(lists[best][heads[best]++]);
  }
  return [...out, ...lists.flatMap((l, i) => l.slice(heads[i]))];
}

// ---------------------------------------------------------------- the query as typed

/** How many of the first results are checked against the query as typed. */
export const CHECKED = 40;

/** Text as the check compares it: NFKC, lower-cased, without spaces or
 * punctuation (Pagefind ignores punctuation in a query too). */
function plain(text) {
  return String(text || "").normalize("NFKC").toLocaleLowerCase().replace(/[\s\p{P}]+/gu, "");
}

/** The query's parts as typed (space-separated), compared as plain text. */
export function typedParts(term) {
  return String(term || "").split(/\s+/).map(plain).filter(Boolean);
}

/** A page's text for the check: what Pagefind indexed (the visible text and
 * the hidden name fragments) and its title. */
function pageText(data) {
  return plain(`${data.content || ""} ${data.meta?.title || ""}`);
}

/**
 * The results whose page holds the query as typed. Pagefind matches each
 * word the segmenter cuts by prefix, so a query of words on no page still
 * found pages: 车水 as 车 + 水, anywhere on a page; 公园, on no page, as its
 * stand-in 公 (the longest indexed word it starts with). The first CHECKED
 * results are checked: a page whose text (or title) does not contain every
 * part of the query is dropped, and when none of them does there is no
 * result. Results after the first CHECKED are left as Pagefind ranks them
 * (fetching every page's text for a broad query would cost a phone
 * megabytes; see docs/search.md).
 */
async function asTyped(found, term) {
  const typed = typedParts(term);
  const results = found.results || [];
  if (!typed.length || !results.length) return found;
  const holds = async (r) => {
    const text = pageText(await r.data());
    return typed.every((p) => text.includes(p));
  };
  const checked = results.slice(0, CHECKED);
  const ok = await Promise.all(checked.map(holds));
  const kept = checked.filter((_, i) => ok[i]);
  if (kept.length === checked.length) return found;
  const rest = kept.length ? results.slice(CHECKED) : [];
  const out = { ...found, results: [...kept, ...rest] };
  if (!rest.length) out.filters = await countFilters(kept, found.filters);
  return out;
}

/** Filter counts of ``results`` (every value Pagefind listed kept, at 0). */
async function countFilters(results, listed) {
  const counts = {};
  for (const [name, values] of Object.entries(listed || {})) {
    counts[name] = Object.fromEntries(Object.keys(values).map((v) => [v, 0]));
  }
  for (const r of results) {
    for (const [name, values] of Object.entries((await r.data()).filters || {})) {
      const into = (counts[name] ??= {});
      for (const v of values) into[v] = (into[v] || 0) + 1;
    }
  }
  return counts;
}

/** A query that is an agency's or a place's name, exactly, lists that
 * agency's or region's page first (if Pagefind ranked it among the first
 * ten; their pages carry their name with a high weight, see
 * pages/search_fields.py). */
async function namesFirst(found, term) {
  const typed = typedParts(term).join("");
  const results = found.results || [];
  const first = results.slice(0, 10);
  const data = await Promise.all(first.map((r) => r.data()));
  const at = data.findIndex((d) => ["单位", "地区"].includes(d.meta?.kind)
    && String(d.meta?.title || "").toLocaleLowerCase().replace(/\s+/g, "") === typed);
  if (at <= 0) return found;
  return { ...found, results: [results[at], ...results.slice(0, at), ...results.slice(at + 1)] };
}

/** The words Pagefind searches for: the query cut by the browser's segmenter,
 * lower-cased (as pagefind.js does for Chinese). */
function queryWords(term) {
  if (!term) return [];
  const segmenter = new Intl.Segmenter("zh-CN", { granularity: "word" });
  return [...segmenter.segment(term)].filter((s) => s.isWordLike).map((s) => s.segment.toLocaleLowerCase());
}

const ASCII = /^[\x21-\x7e]+$/;

/**
 * Whether a part's search found real matches, not only stand-ins.
 *
 * When no word of an index starts with a query word, Pagefind matches the
 * longest indexed word that the query word starts with instead (8 for
 * 888510002). One index falls back only when the whole site lacks the word;
 * a part falls back whenever that part lacks it, and its stand-in matches
 * would be ranked among the real ones of other parts. Within a part it is
 * all or nothing, so the first result of each part tells: where a real
 * match lies, the page has a word starting with each query word. A
 * heuristic: the words Pagefind keeps for showing a page are not always the
 * ones it indexed (docs/search.md).
 */
async function isReal(found, words) {
  if (!words.length) return true;
  if (!found.results.length) return false;
  const data = await found.results[0].data();
  // no place in the text: Pagefind matched the page's metadata (its title)
  if (!data.locations?.length) return true;
  // the words where it matched: Pagefind keeps the text cut into its words
  // at zero-width spaces; letters and digits form one word there
  // (13022525P004T4010026T) but are matched in pieces
  const tokens = String(data.raw_content || "").split("\u200B");
  const matched = data.locations.map((at) => String(tokens[at] || "").trim().toLocaleLowerCase());
  return words.every((w) => matched.some((t) => t.startsWith(w) || (ASCII.test(w) && t.includes(w))));
}

let searchID = 0;
export async function debouncedSearch(term, opts = {}, waitMs = 300) {
  const id = ++searchID;
  preload(term, opts);
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  if (id !== searchID) return null;
  const found = await search(term, opts);
  return id === searchID ? found : null;
}

export async function destroy() {
  await making;
  await Promise.all(instances().map((part) => part.destroy()));
  made.clear();
}
