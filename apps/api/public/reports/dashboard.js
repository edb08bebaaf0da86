// LabGate funders' dashboard. The token lives in sessionStorage only: never in a URL or a cookie.
// Every request sends it as a Bearer header; charts are fetched as SVG text and inserted as is.
(function () {
  'use strict';
  const KEY = 'labgate.token';
  const $ = (id) => document.getElementById(id);
  const euros = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', maximumFractionDigits: 2 });

  function token() {
    return sessionStorage.getItem(KEY);
  }

  function showError(message) {
    const box = $('error');
    box.textContent = message;
    box.hidden = !message;
  }

  async function api(path, accept) {
    const res = await fetch(path, { headers: { Authorization: 'Bearer ' + token(), Accept: accept || 'application/json' } });
    if (!res.ok) {
      let detail = res.status + ' ' + res.statusText;
      try {
        const problem = await res.json();
        detail = problem.title + ': ' + problem.detail;
      } catch (_) { /* not problem+json */ }
      if (res.status === 401) detail = 'The token was not accepted (' + detail + ').';
      if (res.status === 403) detail = 'Portfolio reports are for funders, chairs and admins (' + detail + ').';
      const err = new Error(detail);
      err.status = res.status;
      throw err;
    }
    return res;
  }

  function query() {
    const params = new URLSearchParams();
    const set = (name, value) => { if (value) params.set(name, value); };
    set('programmeId', $('programme').value);
    set('domain', $('domain').value);
    set('agency', $('agency').value.trim());
    set('from', $('from').value);
    set('asOf', $('asOf').value);
    return params;
  }

  function figure(report, path) {
    return path.split('.').reduce((v, k) => (v == null ? v : v[k]), report);
  }

  function cell(row, text, numeric) {
    const td = document.createElement('td');
    td.textContent = text;
    if (numeric) td.className = 'num';
    row.appendChild(td);
  }

  function render(report) {
    for (const el of document.querySelectorAll('[data-figure]')) {
      const value = figure(report, el.dataset.figure);
      el.textContent = value == null ? '—' : el.hasAttribute('data-euros') ? euros.format(value / 100) : String(value);
    }
    const funnel = $('funnel').querySelector('tbody');
    funnel.replaceChildren();
    for (const f of report.funnel) {
      const tr = document.createElement('tr');
      tr.dataset.gate = f.gate;
      cell(tr, f.gate);
      for (const k of ['entered', 'go', 'revise', 'abandon', 'escalated']) cell(tr, String(f[k]), true);
      cell(tr, f.conversion == null ? '—' : Math.round(f.conversion * 1000) / 10 + ' %', true);
      cell(tr, f.medianRounds == null ? '—' : String(f.medianRounds), true);
      funnel.appendChild(tr);
    }
    const k = report.failFast;
    $('kills-summary').textContent =
      k.abandoned + ' abandoned (' + Object.entries(k.abandonedByStage).map(([s, n]) => s + ' ' + n).join(', ') + '); committed ' +
      euros.format(k.committedAtAbandonCents / 100) + ', spent ' + euros.format(k.spentAtAbandonCents / 100) + ', released ' +
      euros.format(k.releasedAtAbandonCents / 100) + ' at abandonment.';
    const kills = $('kills').querySelector('tbody');
    kills.replaceChildren();
    for (const l of k.lessons) {
      const tr = document.createElement('tr');
      cell(tr, l.code);
      cell(tr, l.title == null ? '(restricted)' : l.title);
      cell(tr, l.stage);
      cell(tr, euros.format(l.spentCents / 100), true);
      cell(tr, l.lessonsLearned == null ? '(restricted)' : l.lessonsLearned);
      kills.appendChild(tr);
    }
    $('report').hidden = false;
  }

  async function loadCharts(params, current) {
    const parser = new DOMParser();
    await Promise.all(Array.from(document.querySelectorAll('[data-chart]')).map(async (fig) => {
      const res = await api('/v1/reports/portfolio/' + fig.dataset.chart + '.svg?' + params, 'image/svg+xml');
      const doc = parser.parseFromString(await res.text(), 'image/svg+xml');
      if (current()) fig.replaceChildren(document.importNode(doc.documentElement, true));
    }));
  }

  // Each show() is numbered; a report or chart that arrives after a newer show() began is
  // dropped, so a slow earlier request (the whole portfolio, shown on sign-in) never overwrites
  // the figures for the filters asked for since.
  let shown = 0;

  async function show() {
    const mine = ++shown;
    const current = () => mine === shown;
    showError('');
    const params = query();
    try {
      const report = await (await api('/v1/reports/portfolio?' + params)).json();
      if (!current()) return;
      render(report);
      await loadCharts(params, current);
      if (current()) document.body.dataset.loaded = report.digest;
    } catch (err) {
      if (!current()) return;
      $('report').hidden = true;
      showError(err.message);
    }
  }

  async function downloadCsv() {
    showError('');
    try {
      const params = query();
      params.set('format', 'csv');
      const res = await api('/v1/reports/portfolio?' + params, 'text/csv');
      const blob = await res.blob();
      const name = (res.headers.get('content-disposition') || '').match(/filename="([^"]+)"/);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name ? name[1] : 'labgate-portfolio.csv';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    } catch (err) {
      showError(err.message);
    }
  }

  async function loadProgrammes() {
    const select = $('programme');
    select.length = 1;
    let cursor = null;
    do {
      const res = await api('/v1/programmes?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      const page = await res.json();
      for (const p of page.items) select.add(new Option(p.name, p.id));
      cursor = page.nextCursor;
    } while (cursor);
  }

  async function open() {
    try {
      await api('/v1/me');
      await loadProgrammes();
      $('filters').hidden = false;
      $('logout').hidden = false;
      await show();
    } catch (err) {
      $('filters').hidden = true;
      showError(err.message);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem(KEY, $('token').value.trim());
      $('token').value = '';
      void open();
    });
    $('logout').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      $('filters').hidden = true;
      $('report').hidden = true;
      $('logout').hidden = true;
    });
    $('filters').addEventListener('submit', (e) => {
      e.preventDefault();
      void show();
    });
    $('csv').addEventListener('click', () => void downloadCsv());
    if (token()) void open();
  });
})();
