// The /search/ page: Pagefind's own UI (pagefind-ui.js, loaded before this
// module), in Chinese, fed from ?q= and kept in step with the address bar.
//
// Pages carry a hidden, low-weight field of name fragments (see
// site_builder/search_fields.py and docs/search.md) so that any 2+
// character piece of a name finds its page whatever the browser's word
// segmenter does. Pagefind builds excerpts from everything it indexed, so an
// excerpt can land in that field; every result goes through displayExcerpt(),
// which only ever shows text visible on the page, with the searched text
// marked.
//
// This file is also imported by tests/search_query.mjs (Node) so that the
// tests check the excerpts users see. Keep the exported helpers free of DOM.

/** Marks the start of the fragment field in a page's indexed text. */
export const FIELD_MARK = "⁂";
const CONTEXT_BEFORE = 24; // characters shown before a match
const EXCERPT_CHARS = 88; // characters in an excerpt built here

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** The part of a page's indexed text that is visible on the page. */
export function visibleText(content) {
  const text = content || "";
  const cut = text.indexOf(FIELD_MARK);
  return cut >= 0 ? text.slice(0, cut) : text;
}

/** Pagefind ends block elements with ". "; after Chinese text that reads badly. */
function tidy(text) {
  return text.replace(/\s+/g, " ").replace(/([^A-Za-z])\. /g, "$1 · ");
}

/** The searched words, longest first (the longest is the most telling place). */
function termParts(term) {
  const parts = String(term || "").trim().replace(/^"|"$/g, "").split(/\s+/).filter(Boolean);
  return [...new Set(parts)].sort((a, b) => b.length - a.length);
}

/** An excerpt around the first place (at or after `from`) the searched text
 * is visible, or null. */
export function literalExcerpt(visible, term, from = 0) {
  const parts = termParts(term);
  if (!parts.length) return null;
  const lower = visible.toLowerCase();
  let at = -1;
  for (const p of parts) {
    at = lower.indexOf(p.toLowerCase(), from);
    if (at >= 0) break;
  }
  if (at < 0) return null;
  let start = Math.max(0, at - CONTEXT_BEFORE);
  const end = Math.min(visible.length, start + EXCERPT_CHARS);
  start = Math.max(0, Math.min(start, end - EXCERPT_CHARS));
  const window = visible.slice(start, end);
  const lw = window.toLowerCase();
  // Mark every occurrence of every part inside the window.
  const marks = [];
  for (const p of parts) {
    const lp = p.toLowerCase();
    for (let i = lw.indexOf(lp); i >= 0; i = lw.indexOf(lp, i + lp.length)) {
      if (!marks.some(([s, e]) => i < e && i + lp.length > s)) marks.push([i, i + lp.length]);
    }
  }
  marks.sort((a, b) => a[0] - b[0]);
  let html = start > 0 ? "…" : "";
  let pos = 0;
  for (const [s, e] of marks) {
    html += escapeHtml(tidy(window.slice(pos, s))) + "<mark>" + escapeHtml(window.slice(s, e)) + "</mark>";
    pos = e;
  }
  html += escapeHtml(tidy(window.slice(pos)));
  if (end < visible.length) html += "…";
  return html.trim();
}

function plainOf(html) {
  return String(html || "").replace(/<\/?mark>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/**
 * The excerpt to show for one Pagefind result (the object `data()` returns):
 * the searched text in its visible context; else Pagefind's excerpt when it
 * lies in visible text and marks something; else the page's summary (its
 * metadata, or, where the summary is indexed text, as on a project page,
 * what follows the title). Returns HTML (escaped text and <mark>).
 */
export function displayExcerpt(result, term) {
  const visible = visibleText(result.content);
  // The result's title is shown above the excerpt: prefer a place after it.
  const title = String(result.meta?.title || "").split(" ")[0];
  const t = title ? visible.indexOf(title) : -1;
  const afterTitle = t >= 0 && t < 300 ? t + title.length : 0;
  const literal = literalExcerpt(visible, term, afterTitle) || literalExcerpt(visible, term);
  if (literal) return literal;
  const own = result.excerpt || "";
  const plain = plainOf(own).trim();
  if (own.includes("<mark>") && plain && !plain.includes(FIELD_MARK) && visible.replace(/\s+/g, "").includes(plain.replace(/\s+/g, ""))) {
    return own;
  }
  const summary = result.meta?.summary;
  if (summary) return escapeHtml(summary);
  const rest = visible.slice(afterTitle).replace(/^[\s.·]+/, "");
  return escapeHtml(tidy(rest.slice(0, EXCERPT_CHARS))) + (rest.length > EXCERPT_CHARS ? "…" : "");
}

/** What Pagefind UI shows for a result: what kind of page it is (a badge),
 * a context line (unit, year, the amount and what it is) and a clean
 * excerpt; no sub-results, and no metadata tags (Pagefind UI would list
 * every metadata field under the excerpt). */
export function decorate(result, term) {
  const meta = result.meta || {};
  const amount = meta.amount && `${meta.amount_label || "预算"} ${meta.amount}`;
  const bits = [meta.context, amount].filter(Boolean);
  const badge = meta.kind ? `<span class="search-badge">${escapeHtml(meta.kind)}</span>` : "";
  const line = badge || bits.length ? `<span class="search-result-meta">${badge}${escapeHtml(bits.join(" · "))}</span>` : "";
  result.excerpt = line + displayExcerpt(result, term);
  result.meta = meta.title ? { title: meta.title } : {};
  result.sub_results = [];
  return result;
}

const TRANSLATIONS = {
  placeholder: "输入项目、单位、指标名称中的两个字以上",
  clear_search: "清除",
  load_more: "显示更多结果",
  search_label: "搜索本站",
  filters_label: "筛选",
  zero_results: "没有找到与“[SEARCH_TERM]”相关的页面",
  many_results: "找到 [COUNT] 个与“[SEARCH_TERM]”相关的页面",
  one_result: "找到 [COUNT] 个与“[SEARCH_TERM]”相关的页面",
  total_zero_results: "没有符合条件的页面",
  total_one_result: "[COUNT] 个页面",
  total_many_results: "[COUNT] 个页面",
  alt_search: "没有找到与“[SEARCH_TERM]”相关的页面，以下是“[DIFFERENT_TERM]”的结果",
  search_suggestion: "没有找到与“[SEARCH_TERM]”相关的页面。可以换几个字，或减少筛选条件。",
  searching: "正在搜索“[SEARCH_TERM]”…",
  results_label: "搜索结果",
  error_search: "搜索出错，请稍后重试",
  filter_selected_one: "已选 [COUNT] 项",
  filter_selected_many: "已选 [COUNT] 项",
  input_hint: "输入后即显示结果",
  loading: "加载中",
};

const SORTS = {
  "": null,
  "amount-desc": { 预算金额: "desc" },
  "amount-asc": { 预算金额: "asc" },
};

async function start() {
  const root = document.getElementById("search");
  if (!root) return;
  const fallback = document.getElementById("search-fallback");
  if (typeof window.PagefindUI !== "function") {
    if (fallback) {
      fallback.querySelector("p").textContent = "搜索索引未能加载（本站可能是在不带搜索索引的情况下生成的）。";
    }
    return;
  }
  if (fallback) fallback.hidden = true;

  const params = new URLSearchParams(window.location.search);
  let term = (params.get("q") || "").trim();
  const header = document.getElementById("site-search");
  if (header && term) header.value = term;

  // The region searched: the one of the page the search came from (?scope=,
  // from the header's form), or everywhere. A province's bundles are the
  // search module's (search/parts.js); one region's is a few hundred kB.
  const bundle = await import(new URL("pagefind.js", new URL(root.dataset.bundle, window.location.href)).href);
  const wanted = params.get("scope") || "";
  const searched = bundle.scope(wanted || null);
  // A search by words goes bundle by bundle until it has enough results
  // (search/parts.js, stepwise); ?all=1 searches every bundle at once.
  bundle.stepwise?.(!params.has("all"));
  const regions = bundle.bundles().filter((b) => b.key !== "site");
  const scopeName = regions.filter((b) => searched.includes(b.key)).map((b) => b.name).filter(Boolean).join("、");

  // Sort control (Pagefind UI has none of its own).
  const bar = document.createElement("div");
  bar.className = "search-sort";
  // A link to this search over more bundles: the address with ``change``
  // made, and the query in the box when it is followed.
  const wider = (change) => {
    const link = document.createElement("a");
    const to = () => {
      const url = new URL(window.location.href);
      change(url.searchParams);
      url.searchParams.set("q", term); // the box's query, not the one the page opened with
      return url.href;
    };
    link.href = to();
    link.textContent = "搜索全部地区";
    link.addEventListener("click", () => {
      link.href = to();
    });
    return link;
  };
  if (wanted && searched.length < regions.length + 1) {
    const where = document.createElement("p");
    where.className = "search-scope";
    where.append(`在 ${scopeName || "本地区"} 中搜索 · `, wider((params) => params.delete("scope")));
    bar.append(where);
  }
  // Where a stepwise search stopped, and the rest one click away.
  const progress = document.createElement("p");
  progress.className = "search-progress";
  progress.hidden = true;
  bar.append(progress);
  bundle.listen?.((state) => {
    progress.hidden = state.complete;
    if (progress.hidden) return;
    const regionCount = state.total - 1; // not the site-wide bundle
    const done = state.searched.filter((b) => b.key !== "site");
    const names = done.map((b) => b.name).filter(Boolean);
    const where = names.length === done.length ? names.join("、") : `${done.length} 个地区`;
    progress.replaceChildren(`先显示 ${where} 的结果（已搜索 ${done.length}/${regionCount} 个地区）· `,
      wider((params) => params.set("all", "1")));
  });
  const label = document.createElement("label");
  label.htmlFor = "search-sort";
  label.textContent = "排序";
  const select = document.createElement("select");
  select.id = "search-sort";
  for (const [value, text] of [["", "按相关度"], ["amount-desc", "预算金额从高到低"], ["amount-asc", "预算金额从低到高"]]) {
    const opt = document.createElement("option");
    opt.value = value;
    opt.textContent = text;
    select.append(opt);
  }
  select.value = SORTS[params.get("sort")] !== undefined ? params.get("sort") || "" : "";
  bar.append(label, select);
  root.before(bar);

  // The address bar, the tab title and the header's search box show the
  // query in the search box now. (They followed the term Pagefind UI passed
  // to processTerm, which its debounced search sends one keystroke late:
  // a shared link opened the previous search.)
  const syncUrl = () => {
    if (header) header.value = term;
    const url = new URL(window.location.href);
    if (term) url.searchParams.set("q", term);
    else url.searchParams.delete("q");
    if (select.value) url.searchParams.set("sort", select.value);
    else url.searchParams.delete("sort");
    window.history.replaceState(null, "", url);
    document.title = (term ? `搜索：${term} · ` : "搜索 · ") + document.title.replace(/^搜索(：.*?)? · /, "");
  };

  let shown = term; // the term of the search whose results are shown (for marking excerpts)
  const box = () => root.querySelector(".pagefind-ui__search-input");
  let ui = null;
  const mount = () => {
    if (ui) ui.destroy();
    root.replaceChildren();
    ui = new window.PagefindUI({
      element: root,
      bundlePath: root.dataset.bundle,
      baseUrl: root.dataset.baseUrl,
      showSubResults: false,
      showImages: false,
      resetStyles: false,
      autofocus: !term,
      sort: SORTS[select.value] || undefined,
      translations: TRANSLATIONS,
      processTerm: (t) => {
        shown = t.trim();
        term = (box()?.value ?? t).trim();
        syncUrl();
        return t;
      },
      processResult: (r) => decorate(r, shown),
    });
    labelSearchBox(root);
    if (term) ui.triggerSearch(term);
  };
  // Pagefind UI calls processTerm only for non-empty terms: follow the box too.
  root.addEventListener("input", (e) => {
    if (e.target.classList?.contains("pagefind-ui__search-input")) {
      term = e.target.value.trim();
      syncUrl();
    }
  });
  // A new sort order loads the page again with it in the address: Pagefind UI
  // cannot change its sort in place, and destroying it while its worker is
  // searching raises "Pagefind worker terminated".
  select.addEventListener("change", () => {
    syncUrl();
    window.location.reload();
  });
  mount();
}

/** Pagefind UI names its input by a title attribute only: give it a real
 * <label> (visually hidden), as every other field on the site has. */
function labelSearchBox(root) {
  const box = root.querySelector(".pagefind-ui__search-input");
  if (!box) return;
  box.id = box.id || "search-input";
  if (root.querySelector(`label[for="${box.id}"]`)) return;
  const label = document.createElement("label");
  label.htmlFor = box.id;
  label.className = "visually-hidden";
  label.textContent = "搜索项目、单位、地区或绩效指标";
  box.before(label);
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
