// The decision service's web console: plain DOM, no libraries, no build step.
// Every text that comes from a policy, an event or a record is set with textContent or a text node,
// never parsed as HTML. The token lives in this tab's sessionStorage and travels only in the
// Authorization header.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const TOKEN_KEY = "aftersale.token";
const LANG_KEY = "aftersale.lang";
const MAX_HISTORY_BYTES = 4000000;
const state = {lang: "en", words: {}, actions: [], me: null, policies: null, selected: null,
               view: "policy", testRun: null, report: null, cursor: null, query: null, searches: 0};

// -- small helpers ------------------------------------------------------------------

function t(key, values) {
  const text = Object.prototype.hasOwnProperty.call(state.words, key) ? state.words[key] : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function $(id) { return document.getElementById(id); }

function money(text) {
  const value = Number(text);
  if (!Number.isFinite(value)) return String(text);
  return new Intl.NumberFormat(state.lang === "zh" ? "zh-CN" : "en", {style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol"}).format(value);
}

function count(value) {
  return new Intl.NumberFormat(state.lang === "zh" ? "zh-CN" : "en").format(value);
}

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(state.lang === "zh" ? "zh-CN" : "en", {dateStyle: "medium", timeStyle: "short"}).format(date);
}

function short(sha) { return sha ? sha.slice(0, 12) : ""; }

function showError(error) { $("status").textContent = error ? String(error.message || error) : ""; }

async function api(method, path, body) {
  const headers = {Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY)};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                    cache: "no-store", credentials: "omit"});
  const data = await answer.json().catch(() => null);
  if (!answer.ok) {
    const error = new Error(data && data.message ? data.message : t("error.http", {status: answer.status}));
    error.status = answer.status;
    throw error;
  }
  return data;
}

function busy(button, promise) {
  button.disabled = true;
  return promise.finally(() => { button.disabled = false; });
}

// -- language -----------------------------------------------------------------------

function defaultLang() {
  const kept = sessionStorage.getItem(LANG_KEY);
  if (kept === "zh" || kept === "en") return kept;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

async function setLang(lang) {
  const answer = await fetch("/console/i18n/" + lang + ".json", {cache: "no-store"});
  const data = await answer.json();
  state.lang = lang;
  state.words = data.words;
  state.actions = data.actions;
  sessionStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  $("lang").value = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("token").placeholder = t("login.placeholder");
  fillActions();
  if (state.me) {
    renderWho();
    renderPolicies();
    renderSource();
    renderTests();
    renderReport();
    if (state.query) search(state.query, false).catch(showError);
  }
}

// -- login --------------------------------------------------------------------------

async function login(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    state.me = await api("GET", "/v1/me");
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.me = null;
    throw error;
  }
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  renderWho();
  show(state.view);
  if (state.me.roles.includes("read")) await loadPolicies();
  else showError(t("error.noread"));
}

function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(state, {me: null, policies: null, selected: null, testRun: null, report: null, cursor: null, query: null});
  $("app").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("token").value = "";
  for (const id of ["log-results", "charts", "tests-list", "source"]) $(id).replaceChildren();
  for (const id of ["log-summary", "simulate-summary", "tests-summary", "lint-summary", "status"]) $(id).textContent = "";
}

function renderWho() {
  $("who").textContent = state.me ? t("who", {store: state.me.store, roles: state.me.roles.join(", ")}) : "";
}

function show(view) {
  state.view = view;
  for (const tab of document.querySelectorAll("[data-view]")) tab.setAttribute("aria-selected", String(tab.dataset.view === view));
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== "view-" + view;
  showError(null);
}

// -- (a) the policy, its lint marks and versions ----------------------------------------------

function allVersions() {
  if (!state.policies) return [];
  const own = state.policies.versions.map((v) => Object.assign({service_default: false}, v));
  return own.concat([state.policies.service_default]);
}

async function loadPolicies(keep) {
  state.policies = await api("GET", "/v1/policies");
  if (!keep || !allVersions().some((v) => v.sha256 === state.selected)) state.selected = state.policies.active;
  renderPolicies();
  await loadSource();
}

async function loadSource() {
  $("source").replaceChildren(el("p", {class: "hint", text: t("loading")}));
  state.source = await api("GET", "/v1/policies/" + state.selected);
  state.testRun = null;
  renderSource();
  renderTests();
}

function renderPolicies() {
  const body = $("versions").tBodies[0];
  body.replaceChildren();
  const baseline = $("baseline");
  const chosen = baseline.value;
  baseline.replaceChildren(el("option", {value: "", text: t("simulate.nobaseline")}));
  for (const v of allVersions()) {
    const name = v.service_default ? t("versions.default", {name: v.name}) : v.name;
    const cells = [
      el("td", {}, el("span", {text: name})),
      el("td", {}, el("code", {text: short(v.sha256), title: v.sha256})),
      el("td", {text: v.published_at ? when(v.published_at) : "—"}),
      el("td", {}, v.active ? el("span", {class: "badge active", text: t("versions.active")}) : null,
         v.tested ? el("span", {class: "badge", text: t("versions.tested")}) : null),
    ];
    const buttons = el("td", {class: "actions"});
    if (v.sha256 !== state.selected) {
      buttons.append(el("button", {type: "button", class: "quiet", text: t("versions.view"),
        onclick: () => { state.selected = v.sha256; renderPolicies(); loadSource().catch(showError); }}));
    } else {
      buttons.append(el("span", {class: "sub", text: t("versions.shown")}));
    }
    if (!v.active && state.me.roles.includes("publish")) {
      buttons.append(el("button", {type: "button", text: t("versions.activate"), "data-activate": v.sha256,
        onclick: (event) => busy(event.target, activate(v.sha256)).catch(showError)}));
    }
    cells.push(buttons);
    body.append(el("tr", {class: v.sha256 === state.selected ? "selected" : ""}, ...cells));
    if (!v.active) baseline.append(el("option", {value: v.sha256, text: name + " · " + short(v.sha256)}));
  }
  if ([...baseline.options].some((o) => o.value === chosen)) baseline.value = chosen;
}

async function activate(sha) {
  await api("POST", "/v1/policies/" + sha + "/activate");
  await loadPolicies(true);
}

const SEVERITY_ORDER = ["error", "warning", "info"];

function renderSource() {
  const source = state.source;
  const box = $("source");
  if (!source) return;
  $("source-name").textContent = source.name + " · " + short(source.sha256);
  const byLine = new Map();
  for (const f of source.findings) {
    if (!byLine.has(f.line)) byLine.set(f.line, []);
    byLine.get(f.line).push(f);
  }
  const totals = SEVERITY_ORDER.map((s) => [s, source.findings.filter((f) => f.severity === s).length]);
  $("lint-summary").textContent = source.findings.length
    ? totals.filter(([, n]) => n).map(([s, n]) => t("lint." + s + "s", {n})).join(" · ")
    : t("lint.clean");
  const rows = [];
  const lines = source.text.replace(/\n$/, "").split("\n");
  lines.forEach((text, index) => {
    const number = index + 1;
    const found = byLine.get(number) || [];
    const worst = SEVERITY_ORDER.find((s) => found.some((f) => f.severity === s));
    rows.push(el("div", {class: "line" + (worst ? " mark-" + worst : ""), "data-line": number},
      el("span", {class: "no", text: String(number)}), el("span", {class: "code", text: text || " "})));
    for (const f of found) rows.push(finding(f));
  });
  for (const f of source.findings.filter((f) => !(f.line >= 1 && f.line <= lines.length))) rows.push(finding(f));
  box.replaceChildren(...rows);
}

function finding(f) {
  return el("div", {class: "finding sev-" + f.severity},
    el("span", {class: "sev", text: t("severity." + f.severity)}),
    el("code", {class: "name", text: f.name}),
    el("span", {class: "message", text: f.message}),
    f.help ? el("span", {class: "help", text: t("lint.help", {help: f.help})}) : null,
    el("span", {class: "docs", text: t("lint.docs", {page: f.docs})}));
}

// -- (b) tests ---------------------------------------------------------------------------

async function runTests() {
  state.testRun = await api("GET", "/v1/policies/" + state.selected + "/tests");
  renderTests();
}

function renderTests() {
  const source = state.source;
  $("tests-name").textContent = source ? source.name + " · " + short(source.sha256) : "";
  const list = $("tests-list");
  list.replaceChildren();
  $("tests-run").disabled = !source || !source.tests;
  if (!source) return;
  if (!source.tests) { $("tests-summary").textContent = t("tests.none"); return; }
  const run = state.testRun;
  if (!run) { $("tests-summary").textContent = ""; return; }
  const passed = run.cases.filter((c) => c.status === "pass").length;
  $("tests-summary").textContent = t("tests.summary", {passed, failed: run.cases.length - passed});
  for (const e of run.errors) list.append(el("li", {class: "case fail"}, el("span", {class: "badge fail", text: t("tests.error")}), el("span", {text: e.message})));
  for (const c of run.cases) {
    const ok = c.status === "pass";
    const item = el("li", {class: "case " + (ok ? "pass" : "fail")},
      el("span", {class: "badge " + (ok ? "pass" : "fail"), text: t("tests." + c.status)}), el("span", {text: c.case}));
    for (const m of c.mismatches || []) {
      item.append(el("div", {class: "detail", text: t("tests.mismatch", {what: m.what, expected: JSON.stringify(m.expected), actual: JSON.stringify(m.actual)})}));
    }
    for (const d of c.diagnostics || []) item.append(el("div", {class: "detail", text: d.message}));
    list.append(item);
  }
}

// -- (c) simulate ------------------------------------------------------------------------

async function simulate() {
  const file = $("history").files[0];
  if (!file) throw new Error(t("simulate.nofile"));
  if (file.size > MAX_HISTORY_BYTES) throw new Error(t("simulate.toolarge", {max: count(MAX_HISTORY_BYTES)}));
  const events = await file.text();
  const baseline = $("baseline").value || null;
  $("simulate-summary").textContent = t("simulate.running");
  state.report = await api("POST", "/v1/simulations", {events, baseline});
  renderReport();
}

function renderReport() {
  const report = state.report;
  const charts = $("charts");
  charts.replaceChildren();
  if (!report) { $("simulate-summary").textContent = ""; return; }
  const e = report.events;
  let summary = t("simulate.summary", {policy: report.policy.name, decided: count(e.decided), bad: count(e.bad), money: money(e.money)});
  if (report.changes) summary += " " + t("simulate.changes", {count: count(report.changes.count), money: money(report.changes.money)});
  $("simulate-summary").textContent = summary;
  const series = [report.policy.name];
  if (report.baseline) series.push(t("simulate.baselineseries", {name: report.baseline.name}));
  const actions = new Map();
  const add = (list, i) => { for (const a of list) { if (!actions.has(a.action)) actions.set(a.action, [{count: 0, money: "0"}, {count: 0, money: "0"}]); actions.get(a.action)[i] = a; } };
  add(report.actions, 0);
  if (report.baseline) add(report.baseline.actions, 1);
  const width = report.baseline ? 2 : 1;
  charts.append(
    barChart(t("chart.actions.count"), series, [...actions].map(([name, v]) => ({label: name, values: v.slice(0, width).map((x) => x.count), texts: v.slice(0, width).map((x) => count(x.count))}))),
    barChart(t("chart.actions.money"), series, [...actions].map(([name, v]) => ({label: name, values: v.slice(0, width).map((x) => Number(x.money)), texts: v.slice(0, width).map((x) => money(x.money))}))));
  for (const [rules, title, name] of [[report.rules, "chart.rules", report.policy.name]].concat(report.baseline ? [[report.baseline.rules, "chart.rules", report.baseline.name]] : [])) {
    const decided = rules.filter((r) => r.kind !== "guard");
    charts.append(
      barChart(t(title + ".count", {name}), null, decided.map((r) => ({label: ruleLabel(r), values: [r.decided], texts: [count(r.decided)]}))),
      barChart(t(title + ".money", {name}), null, decided.map((r) => ({label: ruleLabel(r), values: [Number(r.money)], texts: [money(r.money)]}))));
  }
}

function ruleLabel(r) { return r.rule === null ? t("chart.otherwise", {action: r.action}) : r.rule + " → " + r.action; }

function barChart(title, series, rows) {
  const labelWidth = 230, barWidth = 330, valueWidth = 110, barHeight = 16, gap = 10, top = series && series.length > 1 ? 26 : 6;
  const perRow = rows.length ? rows[0].values.length : 1;
  const rowHeight = perRow * (barHeight + 2) + gap;
  const height = top + Math.max(rows.length, 1) * rowHeight;
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.values));
  const chart = svg("svg", {viewBox: `0 0 ${labelWidth + barWidth + valueWidth} ${height}`, class: "chart", role: "img"});
  chart.append(svg("title", {}, title));
  if (series && series.length > 1) {
    series.forEach((name, i) => {
      const x = labelWidth + i * 170;
      chart.append(svg("rect", {x, y: 4, width: 12, height: 12, class: "s" + i}), svg("text", {x: x + 17, y: 14, class: "legend"}, name));
    });
  }
  rows.forEach((row, r) => {
    const y = top + r * rowHeight;
    chart.append(svg("text", {x: labelWidth - 8, y: y + (perRow * (barHeight + 2)) / 2 + 4, class: "label", "text-anchor": "end"}, fit(row.label, 32)));
    row.values.forEach((value, i) => {
      const w = Math.max(value > 0 ? 2 : 0, (value / max) * barWidth);
      const by = y + i * (barHeight + 2);
      chart.append(svg("rect", {x: labelWidth, y: by, width: w.toFixed(1), height: barHeight, rx: 2, class: "bar s" + i}),
                   svg("text", {x: labelWidth + w + 6, y: by + barHeight - 4, class: "value"}, row.texts[i]));
    });
  });
  return el("figure", {class: "figure"}, el("figcaption", {text: title}), chart);
}

function fit(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }

// -- (d) the decision log ------------------------------------------------------------------

function fillActions() {
  const select = $("log-action");
  const kept = select.value;
  select.replaceChildren(el("option", {value: "", text: t("log.anyaction")}), ...state.actions.map((a) => el("option", {value: a, text: a})));
  select.value = kept;
}

function readQuery() {
  const query = {};
  for (const [key, id] of [["id", "log-id"], ["action", "log-action"], ["rule", "log-rule"], ["since", "log-since"], ["until", "log-until"]]) {
    const value = $(id).value.trim();
    if (value) query[key] = value;
  }
  return query;
}

async function search(query, more) {
  const params = new URLSearchParams(Object.assign({}, query, {lang: state.lang, limit: "20"}));
  if (more && state.cursor) params.set("cursor", state.cursor);
  const ticket = ++state.searches;
  const answer = await api("GET", "/v1/decisions?" + params.toString());
  if (ticket !== state.searches) return;  // a later search was sent meanwhile: its answer counts
  state.query = query;
  state.cursor = answer.next_cursor;
  const box = $("log-results");
  if (!more) box.replaceChildren();
  for (const item of answer.records) box.append(record(item));
  const shown = box.children.length;
  $("log-summary").textContent = shown ? t("log.found", {n: count(shown)}) : t("log.none");
  $("log-more").hidden = !state.cursor;
}

function record(item) {
  const r = item.record || {};
  return el("article", {class: "record"},
    el("header", {},
      el("strong", {class: "event-id", text: item.event_id}),
      el("span", {class: "badge action", text: r.action || ""}),
      el("span", {class: "meta", text: t("log.meta", {rule: r.rule || t("log.norule"), at: String(item.at || "").replace("T", " "), trigger: t("trigger." + item.trigger), policy: short(item.policy_sha256)})})),
    el("pre", {class: "explanation", lang: item.explanation_lang === "zh" ? "zh-CN" : "en", text: item.explanation || ""}));
}

// -- wiring ---------------------------------------------------------------------------------

function wire() {
  $("lang").addEventListener("change", (e) => setLang(e.target.value).catch(showError));
  $("logout").addEventListener("click", logout);
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    $("login-error").textContent = "";
    login($("token").value.trim()).catch((error) => {
      $("login-error").textContent = error.status === 401 ? t("login.bad") : String(error.message);
    });
  });
  for (const tab of document.querySelectorAll("[data-view]")) tab.addEventListener("click", () => show(tab.dataset.view));
  $("tests-run").addEventListener("click", (e) => busy(e.target, runTests()).catch(showError));
  $("simulate-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const button = e.target.querySelector("button");
    busy(button, simulate()).catch((error) => { $("simulate-summary").textContent = ""; showError(error); });
  });
  $("log-form").addEventListener("submit", (e) => {
    e.preventDefault();
    busy(e.target.querySelector("button"), search(readQuery(), false)).catch(showError);
  });
  $("log-more").addEventListener("click", (e) => busy(e.target, search(state.query, true)).catch(showError));
}

async function start() {
  wire();
  await setLang(defaultLang());
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    try { await login(token); return; } catch (error) { /* ask again */ }
  }
  $("login").hidden = false;
}

document.addEventListener("DOMContentLoaded", () => { start().catch(showError); });
