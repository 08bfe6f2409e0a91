// cityid uptake dashboard: reads GET /v1/stats/uptake with the analyst's
// bearer token and draws SVG charts and a table. No dependencies.
//
// The token comes from the URL fragment (/#token=...) or the form, is kept
// only in sessionStorage, and is removed from the URL at once
// (history.replaceState), so it is neither logged by a server nor left in
// the address bar or history.
'use strict';

(function () {
  const TOKEN_KEY = 'cityid.analyst_token';
  const SVG = 'http://www.w3.org/2000/svg';
  const MEASURE_LABELS = {
    enrolled: 'enrolled', issued: 'issued', renewed: 'renewed',
    replaced: 'replaced', suspended: 'suspended', revoked: 'revoked',
    erased: 'erased', active: 'active',
  };
  let k = 10;

  const $ = (id) => document.getElementById(id);

  // --- token ---------------------------------------------------------------

  function takeTokenFromFragment() {
    const fragment = window.location.hash.replace(/^#/, '');
    if (!fragment) return;
    const params = new URLSearchParams(fragment);
    const token = params.get('token');
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', window.location.pathname +
        window.location.search + (rest ? '#' + rest : ''));
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function showLogin(message) {
    $('main').hidden = true;
    $('sign-out').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token').focus();
  }

  function showMain() {
    $('login').hidden = true;
    $('main').hidden = false;
    $('sign-out').hidden = false;
  }

  // --- API -----------------------------------------------------------------

  class AuthError extends Error {}

  async function uptake(params) {
    const response = await fetch('/v1/stats/uptake?' + new URLSearchParams(params), {
      headers: { Authorization: 'Bearer ' + token(), Accept: 'application/json' },
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    if (response.status === 401 || response.status === 403) {
      throw new AuthError(response.status === 401
        ? 'That token was not accepted.'
        : 'That token does not have the analyst role.');
    }
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || body.title || response.statusText);
    return body;
  }

  // --- formatting ----------------------------------------------------------

  function suppressedText() { return 'suppressed (<' + k + ')'; }
  function isNumber(v) { return typeof v === 'number'; }
  function formatValue(v) { return isNumber(v) ? v.toLocaleString('en-US') : suppressedText(); }
  function formatRate(v) { return isNumber(v) ? (v * 100).toFixed(1) + '%' : '—'; }

  function currentMonth() {
    const now = new Date();
    return now.getUTCFullYear() + '-' + String(now.getUTCMonth() + 1).padStart(2, '0');
  }
  function addMonths(month, delta) {
    const [y, m] = month.split('-').map(Number);
    const index = y * 12 + (m - 1) + delta;
    return Math.floor(index / 12) + '-' + String(index % 12 + 1).padStart(2, '0');
  }

  // --- SVG -----------------------------------------------------------------

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function niceMax(max) {
    if (max <= 0) return 10;
    const step = Math.pow(10, Math.floor(Math.log10(max)));
    for (const f of [1, 2, 2.5, 5, 10]) if (f * step >= max) return f * step;
    return 10 * step;
  }

  // The x-axis label of one category. Every category gets one, whatever the
  // programme calls it: a district learned from the events (SPEC §11) may be
  // any name up to 64 bytes, so a label wider than its band is shortened
  // with an ellipsis and keeps its full name in a tooltip and data-label.
  function axisLabel(category, x, y, band, testid) {
    const name = category === null || category === undefined || category === ''
      ? '(none)' : String(category);
    const fits = Math.max(3, Math.floor(band / 7));
    const shown = name.length > fits ? name.slice(0, fits - 1) + '\u2026' : name;
    const label = el('text', { class: 'label', x, y, 'text-anchor': 'middle',
      'data-testid': testid + '-label', 'data-label': name }, shown);
    label.appendChild(el('title', {}, name === 'other'
      ? 'other: the categories not shown on their own (fewer than ' + k +
        ' residents, or outside the programme\'s list), merged' : name));
    return label;
  }

  // A grouped bar chart. categories: labels along x; series: [{name, cls,
  // values}] with one value (number or null = suppressed) per category.
  // Every bar carries data-category, data-series and data-value or
  // data-suppressed, for tests and for assistive tooling.
  function barChart(container, categories, series, testid) {
    const width = 760, height = 280;
    const margin = { top: 28, right: 12, bottom: 46, left: 52 };
    const plotW = width - margin.left - margin.right;
    const plotH = height - margin.top - margin.bottom;
    const values = series.flatMap((s) => s.values.filter(isNumber));
    const max = niceMax(Math.max(k, ...values));
    const y = (v) => margin.top + plotH - (v / max) * plotH;
    const svg = el('svg', {
      viewBox: `0 0 ${width} ${height}`, role: 'img', 'data-testid': testid + '-svg',
      'aria-label': series.map((s) => s.name).join(' and ') + ' by ' + testid,
    });
    const defs = el('defs');
    const hatchId = 'hatch-' + testid;
    const hatch = el('pattern', { id: hatchId, width: 6, height: 6,
      patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    hatch.appendChild(el('rect', { width: 6, height: 6, fill: '#fff4ec' }));
    hatch.appendChild(el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#e2a37d', 'stroke-width': 3 }));
    defs.appendChild(hatch);
    svg.appendChild(defs);
    for (let i = 0; i <= 4; i++) {
      const v = (max / 4) * i;
      svg.appendChild(el('line', { class: 'axis', x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v) }));
      svg.appendChild(el('text', { class: 'tick', x: margin.left - 6, y: y(v) + 4, 'text-anchor': 'end' },
        Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1)));
    }
    const band = plotW / Math.max(categories.length, 1);
    const barW = Math.min(46, (band * 0.8) / series.length);
    categories.forEach((category, i) => {
      const x0 = margin.left + band * i + (band - barW * series.length) / 2;
      series.forEach((s, j) => {
        const v = s.values[i];
        const x = x0 + j * barW;
        const common = { 'data-testid': testid + '-bar', 'data-category': category, 'data-series': s.name };
        if (isNumber(v)) {
          const bar = el('rect', Object.assign({ class: 'bar ' + s.cls, x: x + 1, width: barW - 2,
            y: y(v), height: Math.max(0, y(0) - y(v)), 'data-value': v }, common));
          bar.appendChild(el('title', {}, `${category} · ${s.name}: ${v}`));
          svg.appendChild(bar);
          svg.appendChild(el('text', { class: 'value', x: x + barW / 2, y: y(v) - 4, 'text-anchor': 'middle' }, String(v)));
        } else {
          // A visible stub, never a bar of height zero: "no data" and
          // "withheld" must not look alike.
          const stub = el('rect', Object.assign({ class: 'bar suppressed', x: x + 1, width: barW - 2,
            y: y(k), height: y(0) - y(k), fill: `url(#${hatchId})`, 'data-suppressed': 'true' }, common));
          stub.appendChild(el('title', {}, `${category} · ${s.name}: ${suppressedText()}`));
          svg.appendChild(stub);
          svg.appendChild(el('text', { class: 'suppressed', x: x + barW / 2, y: y(k) - 4,
            'text-anchor': 'middle' }, '<' + k));
        }
      });
      svg.appendChild(axisLabel(category, margin.left + band * i + band / 2,
        height - margin.bottom + 16, band, testid));
    });
    let lx = margin.left;
    for (const s of series) {
      svg.appendChild(el('rect', { class: s.cls, x: lx, y: 8, width: 12, height: 12 }));
      svg.appendChild(el('text', { class: 'legend-text', x: lx + 16, y: 18 }, s.name));
      lx += 24 + s.name.length * 7;
    }
    svg.appendChild(el('rect', { class: 'suppressed', x: lx, y: 8, width: 12, height: 12, fill: `url(#${hatchId})` }));
    svg.appendChild(el('text', { class: 'legend-text', x: lx + 16, y: 18 }, suppressedText()));
    container.replaceChildren(svg);
  }

  // --- views ---------------------------------------------------------------

  function drawTime(body) {
    const months = body.rows.map((r) => r.month);
    barChart($('chart-time'), months, [
      { name: 'issued', cls: 'series-issued', values: body.rows.map((r) => r.issued) },
      { name: 'active', cls: 'series-active', values: body.rows.map((r) => r.active) },
    ], 'time');
  }

  function drawDistricts(body, measure) {
    const districts = body.rows.map((r) => r.district);
    barChart($('chart-district'), districts, [
      { name: MEASURE_LABELS[measure], cls: 'series-measure', values: body.rows.map((r) => r[measure]) },
    ], 'district');
  }

  // A table cell; a null count is marked as suppressed (not so a missing
  // rate, which may just mean no population figure).
  function cell(value, attrs, text, markNull = true) {
    const td = document.createElement('td');
    for (const [key, v] of Object.entries(attrs)) td.setAttribute(key, v);
    if (value === null && markNull) {
      td.className = 'suppressed';
      td.setAttribute('data-suppressed', 'true');
      td.title = 'Withheld: fewer than ' + k + ', or it would let one be recomputed';
    } else if (value !== null) {
      td.setAttribute('data-value', String(value));
    }
    td.textContent = text;
    return td;
  }

  function drawTable(body) {
    const table = $('table-district');
    const measures = Object.keys(MEASURE_LABELS).filter((m) => m in (body.rows[0] || {}));
    const withRates = body.rows.length > 0 && 'uptake_rate' in body.rows[0];
    const head = document.createElement('tr');
    for (const name of ['district', ...measures, ...(withRates ? ['uptake rate'] : [])]) {
      const th = document.createElement('th');
      th.textContent = name;
      head.appendChild(th);
    }
    table.tHead.replaceChildren(head);
    const row = (r, label, testid) => {
      const tr = document.createElement('tr');
      tr.setAttribute('data-testid', testid);
      tr.setAttribute('data-district', label);
      const th = document.createElement('td');
      th.textContent = label;
      tr.appendChild(th);
      for (const m of measures) {
        tr.appendChild(cell(r[m], { 'data-testid': 'cell', 'data-district': label, 'data-measure': m },
          formatValue(r[m])));
      }
      if (withRates) {
        tr.appendChild(cell(r.uptake_rate, { 'data-testid': 'rate', 'data-district': label },
          formatRate(r.uptake_rate), false));
      }
      return tr;
    };
    table.tBodies[0].replaceChildren(...body.rows.map((r) => row(r, r.district, 'district-row')));
    const grand = (body.totals || []).find((t) => t.group_by.length === 0);
    table.tFoot.replaceChildren(...(grand ? [row(grand.rows[0], 'all districts', 'total-row')] : []));
  }

  async function refresh() {
    const from = $('from').value, to = $('to').value, measure = $('measure').value;
    $('status').textContent = 'Loading…';
    document.body.removeAttribute('data-loaded');
    try {
      const [byMonth, byDistrict] = await Promise.all([
        uptake({ group_by: 'month', from, to, measures: 'issued,active' }),
        uptake({ group_by: 'district', from, to }),
      ]);
      k = byDistrict.suppressed_below;
      $('k-value').textContent = String(k);
      $('district-note').textContent = (measure === 'active'
        ? `Cards active at the end of ${to}.`
        : `${MEASURE_LABELS[measure]}, ${from} to ${to}.`) +
        ` "other" groups the districts not shown on their own (fewer than ${k}` +
        ' residents, or outside the programme\'s list).';
      drawTime(byMonth);
      drawDistricts(byDistrict, measure);
      drawTable(byDistrict);
      $('status').textContent = `${from} to ${to}, updated ${new Date().toLocaleTimeString()}`;
      document.body.setAttribute('data-loaded', 'true');
    } catch (e) {
      if (e instanceof AuthError) {
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin(e.message);
        return;
      }
      $('status').textContent = 'Could not load: ' + e.message;
    }
  }

  function start() {
    takeTokenFromFragment();
    $('to').value = currentMonth();
    $('from').value = addMonths(currentMonth(), -11);
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
      $('token').value = '';
      showMain();
      refresh();
    });
    $('controls').addEventListener('submit', (ev) => { ev.preventDefault(); refresh(); });
    $('measure').addEventListener('change', refresh);
    $('sign-out').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin('');
    });
    if (token()) {
      showMain();
      refresh();
    } else {
      showLogin('');
    }
  }

  document.addEventListener('DOMContentLoaded', start);
})();
