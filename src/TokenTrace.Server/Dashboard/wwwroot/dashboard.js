// The TokenTrace dashboard. It reads the server's JSON read APIs (/v1/report, /v1/summary) with a read token kept in
// sessionStorage and sent as "Authorization: Bearer", never in a URL. Every total comes from the server, which sums with
// the same code as the command line; this script only lays the numbers out and draws them as SVG through the DOM (no
// inline script or style, so the page runs under "Content-Security-Policy: default-src 'self'").
"use strict";

(() => {
  const TOKEN_KEY = "tokentrace.readToken";
  const SVG = "http://www.w3.org/2000/svg";
  const DAY_MS = 86400000;
  const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  const DIMENSIONS = ["model", "project", "user", "device"];
  const $ = (id) => document.getElementById(id);

  const state = { by: "model", metric: "costUsd", data: null, generation: 0 };

  // ---- formatting (display only) -------------------------------------------------------------------------------------

  function grouped(text) {
    const [whole, fraction] = text.split(".");
    const sign = whole.startsWith("-") ? "-" : "";
    const digits = sign ? whole.slice(1) : whole;
    const withCommas = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return sign + withCommas + (fraction !== undefined ? "." + fraction : "");
  }

  function money(value) {
    if (value === null || value === undefined) return "n/a";
    const abs = Math.abs(value);
    if (abs !== 0 && abs < 0.01) return "$" + value.toPrecision(2);
    return "$" + grouped(value.toFixed(2));
  }

  function count(value) {
    return grouped(String(Math.round(value ?? 0)));
  }

  // A quantity in the unit that suits it (or suits `reference`, so an axis's ticks share one unit): 400 mg, 6.50 Wh.
  function scaled(value, units, reference) {
    if (value === null || value === undefined) return "n/a";
    const ref = Math.abs(reference ?? value);
    let i = ref !== 0 && ref < 1 ? 0 : 1;
    while (i < units.length - 1 && ref >= Math.pow(1000, i)) i++;
    const v = value / Math.pow(1000, i - 1);
    const text = v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
    return grouped(reference === undefined ? text : String(Number(text))) + " " + units[i];
  }

  const energy = (wh, reference) => scaled(wh, ["mWh", "Wh", "kWh", "MWh"], reference);
  const carbon = (g, reference) => scaled(g, ["mg", "g", "kg", "t"], reference);
  const METRICS = {
    costUsd: { label: "Cost", format: money },
    co2eGrams: { label: "CO2e", format: carbon },
    energyWh: { label: "Energy", format: energy },
  };

  // ---- DOM helpers ---------------------------------------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const numCell = (value, text, name) => el("td", { class: "num", "data-field": name, "data-value": value ?? "" }, text);

  // ---- dates ---------------------------------------------------------------------------------------------------------

  // Days are calendar days in the chosen time zone: the server cuts them there (its `tz` parameter), and "today" is
  // today there, so a user east or west of Greenwich sees their own days, not UTC's.
  const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const timeZone = () => $("f-tz").value || "UTC";

  function isoDay(date) {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: timeZone(), year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(date);
    const part = (type) => parts.find((p) => p.type === type).value;
    return part("year") + "-" + part("month") + "-" + part("day");
  }

  function defaultRange() {
    const today = new Date();
    return { since: isoDay(new Date(today.getTime() - 29 * DAY_MS)), until: isoDay(today) };
  }

  function fillTimeZones() {
    const zones = [...new Set([browserZone(), "UTC"])];
    $("f-tz").replaceChildren(...zones.map((z) => el("option", { value: z }, z)));
    $("f-tz").value = zones[0];
  }

  // ---- API -----------------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, params) {
    const query = new URLSearchParams();
    for (const [name, value] of params) {
      if (value !== "" && value !== null && value !== undefined) query.append(name, value);
    }
    const response = await fetch(path + "?" + query.toString(), {
      headers: { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY), Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
    });
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    if (!response.ok) throw new ApiError(response.status, body?.error ?? ("HTTP " + response.status));
    return body;
  }

  function filterParams() {
    const params = rangeParams();
    for (const name of ["project", "model", "user"]) params.push([name, $("f-" + name).value]);
    if ($("f-device").value) params.push(["tag", "device.name=" + $("f-device").value]);
    return params;
  }

  function rangeParams() {
    return [["since", $("f-since").value], ["until", $("f-until").value], ["tz", timeZone()]];
  }

  // ---- loading -------------------------------------------------------------------------------------------------------

  async function load() {
    const generation = ++state.generation;
    const status = $("status");
    status.textContent = "Loading…";
    status.classList.remove("error");
    const filters = filterParams();
    try {
      const [report, byUser, byDevice, series, ...options] = await Promise.all([
        api("/v1/report", filters),
        api("/v1/summary", [...filters, ["by", "user"]]),
        api("/v1/summary", [...filters, ["by", "device"]]),
        api("/v1/summary", [...filters, ["by", "day," + state.by]]),
        ...DIMENSIONS.map((d) => api("/v1/summary", [...rangeParams(), ["by", d]])),
      ]);
      if (generation !== state.generation) return;
      state.data = { report, byUser, byDevice, series };
      fillOptions(options);
      render();
      status.textContent = "";
      $("range-label").textContent = "From " + $("f-since").value + " to " + $("f-until").value + " (" + timeZone() + ")";
    } catch (error) {
      if (generation !== state.generation) return;
      if (error instanceof ApiError && error.status === 401) {
        signOut("The token was refused; paste a valid read token.");
        return;
      }
      status.textContent = "Could not load: " + error.message;
      status.classList.add("error");
    }
  }

  function fillOptions(summaries) {
    DIMENSIONS.forEach((dimension, i) => {
      const select = $("f-" + dimension);
      const chosen = select.value;
      const values = summaries[i].rows.map((row) => row.key[dimension]).filter((v) => v);
      if (chosen && !values.includes(chosen)) values.push(chosen);
      values.sort((a, b) => a.localeCompare(b));
      select.replaceChildren(el("option", { value: "" }, "All"), ...values.map((v) => el("option", { value: v }, v)));
      select.value = chosen;
    });
  }

  // ---- rendering -----------------------------------------------------------------------------------------------------

  function render() {
    const { report, byUser, byDevice } = state.data;
    const total = report.byModel.total;
    setKpi("cost", total.costUsd, money(total.costUsd), total.unpricedRecords ? count(total.unpricedRecords) + " unpriced calls" : null);
    setKpi("tokens", total.totalTokens, count(total.totalTokens));
    setKpi("records", total.records, count(total.records));
    setKpi("energy", total.energyWh, energy(total.energyWh), total.energyWh !== null ? energy(total.energyWhLow) + " – " + energy(total.energyWhHigh) : null);
    setKpi("co2e", total.co2eGrams, carbon(total.co2eGrams), total.co2eGrams !== null ? carbon(total.co2eGramsLow) + " – " + carbon(total.co2eGramsHigh) : null);
    dimensionTable(document.querySelector('table[data-dimension="model"]'), "model", report.byModel.rows.map((r) => [r.key.model, r]), total);
    dimensionTable(document.querySelector('table[data-dimension="project"]'), "project", report.byProject.rows.map((r) => [r.key.project, r]), report.byProject.total);
    dimensionTable(document.querySelector('table[data-dimension="user"]'), "user", byUser.rows.map((r) => [r.key.user, r]), byUser.total);
    dimensionTable(document.querySelector('table[data-dimension="device"]'), "device", byDevice.rows.map((r) => [r.key.device, r]), byDevice.total);
    dimensionTable($("sessions"), "session", report.topSessions.map((r) => [r.session, r]), null);
    budgetTable(report.budgets);
    renderChart();
  }

  function setKpi(name, value, text, detail) {
    const box = document.querySelector('[data-kpi="' + name + '"]');
    box.setAttribute("data-value", value ?? "");
    const b = box.querySelector("b");
    b.textContent = text;
    box.querySelector("small")?.remove();
    if (detail) box.append(el("small", null, detail));
  }

  function byCost(a, b) {
    return (b[1].costUsd ?? -1) - (a[1].costUsd ?? -1) || String(a[0] ?? "").localeCompare(String(b[0] ?? ""));
  }

  function dimensionTable(table, dimension, rows, total) {
    const title = dimension.charAt(0).toUpperCase() + dimension.slice(1);
    const head = el("thead", null, el("tr", null,
      el("th", null, title), el("th", { class: "num" }, "Calls"), el("th", { class: "num" }, "Tokens"),
      el("th", { class: "num" }, "Cost"), el("th", { class: "num" }, "Energy"), el("th", { class: "num" }, "CO2e")));
    const body = el("tbody");
    const sorted = [...rows].sort(byCost);
    if (sorted.length === 0) body.append(el("tr", null, el("td", { colspan: 6, class: "none" }, "No usage in this range")));
    for (const [key, totals] of sorted) {
      body.append(el("tr", { "data-key": key ?? "" },
        el("td", { class: "key" + (key ? "" : " none") }, key || "(none)"),
        ...cells(totals)));
    }
    const parts = [head, body];
    if (total && sorted.length > 1) {
      parts.push(el("tfoot", null, el("tr", { "data-key": "" }, el("td", null, "Total"), ...cells(total))));
    }
    table.replaceChildren(...parts);
  }

  function cells(t) {
    return [
      numCell(t.records, count(t.records), "records"),
      numCell(t.totalTokens, count(t.totalTokens), "totalTokens"),
      numCell(t.costUsd, money(t.costUsd), "costUsd"),
      numCell(t.energyWh, energy(t.energyWh), "energyWh"),
      numCell(t.co2eGrams, carbon(t.co2eGrams), "co2eGrams"),
    ];
  }

  function amount(unit, value) {
    if (value === null || value === undefined) return "n/a";
    return unit === "usd" ? money(value) : count(value) + " " + unit;
  }

  function budgetTable(budgets) {
    const body = $("budgets").querySelector("tbody");
    body.replaceChildren();
    if (budgets.length === 0) {
      body.append(el("tr", null, el("td", { colspan: 7, class: "none" }, "No budgets: add one with tokentrace budget set, or in the server's configuration.")));
      return;
    }
    for (const b of budgets) {
      const f = b.forecast;
      const row = el("tr", { "data-budget": b.name, class: b.exhausted ? "over" : null },
        el("td", { class: "key" }, b.name),
        el("td", null, b.period + (b.mode === "hard" ? " · hard" : "")),
        numCell(b.spend, amount(b.unit, b.spend), "spend"),
        numCell(b.limit, amount(b.unit, b.limit), "limit"),
        el("td", { class: "num pct", "data-field": "percent", "data-value": b.percent }, b.percent.toFixed(1) + " %"),
        f ? el("td", { class: "num" + (f.expectedOverLimit ? " over-limit" : ""), "data-field": "expected", "data-value": f.expected, "data-low": f.low, "data-high": f.high },
          amount(b.unit, f.expected) + " (" + amount(b.unit, f.low) + " – " + amount(b.unit, f.high) + ")")
          : el("td", { class: "num none", "data-field": "expected" }, "no period end"),
        el("td", null, band(b)));
      body.append(row);
    }
  }

  function band(b) {
    const f = b.forecast;
    const width = 240;
    const height = 18;
    const top = Math.max(b.limit, b.spend, f ? f.high : 0) * 1.05 || 1;
    const x = (v) => Math.max(0, Math.min(width, (v / top) * width));
    const chart = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img", class: "band", "data-budget": b.name },
      svg("title", null, b.name + ": spent " + amount(b.unit, b.spend) + " of " + amount(b.unit, b.limit) +
        (f ? "; expected " + amount(b.unit, f.expected) + " (80 % " + amount(b.unit, f.low) + " – " + amount(b.unit, f.high) + ")" : "")),
      svg("rect", { x: 0, y: 5, width, height: 8, fill: "#eef1f5", rx: 2 }));
    if (f) {
      chart.append(svg("rect", { class: "forecast-band", x: x(f.low), y: 2, width: Math.max(1, x(f.high) - x(f.low)), height: 14, fill: "#1f77b4", "fill-opacity": 0.22 }));
    }
    chart.append(svg("rect", { class: "spent", x: 0, y: 5, width: x(b.spend), height: 8, fill: b.exhausted ? "#c0392b" : "#1f4e79", rx: 2 }));
    if (f) chart.append(svg("rect", { class: "expected", x: x(f.expected) - 1, y: 1, width: 2, height: 16, fill: "#1f77b4" }));
    chart.append(svg("rect", { class: "limit", x: x(b.limit) - 1, y: 0, width: 2, height: 18, fill: "#c0392b" }));
    return chart;
  }

  function niceStep(max, ticks) {
    const raw = max / ticks;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
    return step;
  }

  function renderChart() {
    const figure = $("chart");
    const legend = $("legend");
    const { report, series } = state.data;
    const metric = METRICS[state.metric];
    const days = report.daily.map((p) => p.day);
    const keyOf = (row) => row.key[state.by] || "(none)";

    // Each series' total over the range is the server's (the table of the same dimension), largest first.
    const table = { model: report.byModel, project: report.byProject, user: state.data.byUser, device: state.data.byDevice }[state.by];
    const totals = new Map(table.rows.map((row) => [keyOf(row), row[state.metric] ?? 0]));
    for (const row of series.rows) if (!totals.has(keyOf(row))) totals.set(keyOf(row), 0);
    const keys = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || a.localeCompare(b));
    const color = new Map(keys.map((k, i) => [k, COLORS[i % COLORS.length]]));
    const cell = new Map(series.rows.map((row) => [row.key.day + "\u0000" + keyOf(row), row[state.metric] ?? 0]));
    const stackTop = days.map((day) => keys.reduce((sum, k) => sum + (cell.get(day + "\u0000" + k) ?? 0), 0));

    // Drawn at the figure's own width, so its text stays legible from a phone to a wide screen.
    const width = Math.max(320, Math.round(figure.clientWidth || 960));
    const height = width < 600 ? 220 : 280;
    const left = 64;
    const right = 12;
    const topPad = 10;
    const bottom = 26;
    const plotW = width - left - right;
    const plotH = height - topPad - bottom;
    const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": metric.label + " per day by " + state.by });
    chart.append(svg("title", null, metric.label + " per day by " + state.by));
    const max = Math.max(0, ...stackTop);
    let marks = 0;
    if (days.length === 0 || max <= 0) {
      chart.append(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" }, "No usage in this range"));
    } else {
      const step = niceStep(max, 4);
      const axisMax = Math.ceil(max / step) * step;
      const y = (v) => topPad + plotH - (v / axisMax) * plotH;
      for (let tick = 0; tick * step <= axisMax + step / 2; tick++) {
        const v = tick * step;
        chart.append(svg("line", { class: "grid-line", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
        chart.append(svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, metric.format(v, axisMax)));
      }
      const slot = plotW / days.length;
      const barW = Math.max(1, Math.min(40, slot * 0.75));
      const labelEvery = Math.ceil(days.length / Math.max(2, Math.floor(plotW / 56)));
      days.forEach((day, i) => {
        const x = left + i * slot + (slot - barW) / 2;
        let base = 0;
        for (const k of keys) {
          const v = cell.get(day + "\u0000" + k) ?? 0;
          if (v <= 0) continue;
          const rect = svg("rect", { class: "bar", x, y: y(base + v), width: barW, height: Math.max(0.5, y(base) - y(base + v)), fill: color.get(k), "data-day": day, "data-key": k, "data-value": v },
            svg("title", null, day + " · " + k + ": " + metric.format(v)));
          chart.append(rect);
          base += v;
          marks++;
        }
        if (i % labelEvery === 0) {
          chart.append(svg("text", { x: left + i * slot + slot / 2, y: height - 8, "text-anchor": "middle" }, day.slice(5)));
        }
      });
    }
    figure.replaceChildren(chart);
    figure.setAttribute("data-rendered", "true");
    figure.setAttribute("data-marks", String(marks));
    figure.setAttribute("data-by", state.by);
    figure.setAttribute("data-metric", state.metric);
    legend.replaceChildren(...keys.map((k) => el("li", { "data-key": k },
      svg("svg", { width: 10, height: 10, "aria-hidden": "true" }, svg("rect", { width: 10, height: 10, fill: color.get(k) })),
      k + " " + metric.format(totals.get(k)))));
  }

  // ---- token and wiring ----------------------------------------------------------------------------------------------

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.generation++;
    $("app").hidden = true;
    $("sign-out").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message ?? "";
    $("range-label").textContent = "";
    $("token").value = "";
    $("token").focus();
  }

  function signedIn() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("sign-out").hidden = false;
    load();
  }

  function pressed(group, attribute, value) {
    for (const button of $(group).querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.getAttribute(attribute) === value));
    }
  }

  function start() {
    fillTimeZones();
    const range = defaultRange();
    $("f-since").value = range.since;
    $("f-until").value = range.until;

    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      $("token").value = "";
      $("login-error").textContent = "";
      signedIn();
    });
    $("sign-out").addEventListener("click", () => signOut());
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    $("f-reset").addEventListener("click", () => {
      const fresh = defaultRange();
      $("f-since").value = fresh.since;
      $("f-until").value = fresh.until;
      for (const d of DIMENSIONS) $("f-" + d).value = "";
      load();
    });
    for (const d of DIMENSIONS) $("f-" + d).addEventListener("change", () => load());
    $("f-tz").addEventListener("change", () => load());
    $("chart-by").addEventListener("click", (event) => {
      const by = event.target.closest("button")?.getAttribute("data-by");
      if (!by || by === state.by) return;
      state.by = by;
      pressed("chart-by", "data-by", by);
      load();
    });
    $("chart-metric").addEventListener("click", (event) => {
      const metric = event.target.closest("button")?.getAttribute("data-metric");
      if (!metric || metric === state.metric) return;
      state.metric = metric;
      pressed("chart-metric", "data-metric", metric);
      if (state.data) renderChart();
    });

    let redraw = false;
    window.addEventListener("resize", () => {
      if (redraw || !state.data) return;
      redraw = true;
      requestAnimationFrame(() => { redraw = false; renderChart(); });
    });

    if (sessionStorage.getItem(TOKEN_KEY)) signedIn();
    else signOut();
  }

  start();
})();
