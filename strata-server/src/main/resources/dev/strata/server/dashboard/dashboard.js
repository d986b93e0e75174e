// Strata dashboard. Every text shown comes from a database catalog and may be hostile: the DOM is
// built with createElement, textContent and setAttribute only, never from markup.
'use strict';
(() => {
  const POLL_MS = 2000, RETRY_LIVE_MS = 30000, RUNS_SHOWN = 10;
  const LOCAL = '#1d5fd6', RETIRED = '#a3aab4', UNKNOWN = '#cbd2da';
  const PALETTE = ['#0d9488', '#e07b12', '#8b5cf6', '#d9467f', '#5f9e1a', '#0a8fc0', '#a8621a', '#5b5fd6'];

  // ---- helpers -------------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const arr = (v) => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);
  const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
  const str = (v) => (v === null || v === undefined ? '' : String(v));
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const numFmt = new Intl.NumberFormat('en-US');
  const num = (v) => (isNum(v) ? numFmt.format(v) : '—');

  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    add(node, kids);
    return node;
  }
  function add(node, kids) {
    for (const kid of kids) {
      if (kid === null || kid === undefined || kid === false) continue;
      if (Array.isArray(kid)) add(node, kid);
      else node.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
  }
  const body = (id) => $(id) && $(id).querySelector('.body');
  function aside(id, ...kids) { // the summary at the right of a section's heading
    const a = $(id) && $(id).querySelector('h2 .aside');
    if (a) a.replaceChildren(...kids.flat().filter((k) => k !== null && k !== false));
  }

  function trim(x) { return x >= 100 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, ''); }
  function bytes(n) {
    if (!isNum(n)) return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
  }
  function count(n) {
    if (!isNum(n)) return '—';
    const a = Math.abs(n);
    return a < 1e3 ? String(Math.round(n)) : a < 1e6 ? `${trim(n / 1e3)} k` : a < 1e9 ? `${trim(n / 1e6)} M` : `${trim(n / 1e9)} G`;
  }
  function span(sec) {
    sec = Math.abs(sec);
    if (sec < 59.5) return `${Math.round(sec)} s`;
    const mins = Math.round(sec / 60);
    if (mins < 60) return `${mins} min`;
    const hours = Math.round(sec / 3600);
    if (sec < 86400) return mins % 60 ? `${Math.floor(mins / 60)} h ${mins % 60} min` : `${mins / 60} h`;
    return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${hours / 24} d`;
  }
  const duration = (sec) => (!isNum(sec) || sec < 0 ? '—' : sec < 10 ? `${sec.toFixed(1)} s` : span(sec));
  function relative(iso) {
    const d = (Date.parse(str(iso)) - Date.now()) / 1000;
    if (Number.isNaN(d)) return '—';
    return Math.abs(d) < 1 ? 'now' : d > 0 ? `in ${span(d)}` : `${span(d)} ago`;
  }
  const absolute = (iso) => (Number.isNaN(Date.parse(str(iso))) ? str(iso) : new Date(Date.parse(str(iso))).toLocaleString());
  // A time shown relative to now, refreshed every second by tick().
  function when(iso) {
    if (!iso) return el('span', { class: 'muted' }, '—');
    return el('time', { class: 'rel', datetime: str(iso), title: absolute(iso) }, relative(iso));
  }
  function tick() {
    for (const t of document.querySelectorAll('time.rel')) {
      const text = relative(t.getAttribute('datetime'));
      if (t.textContent !== text) t.textContent = text;
    }
    const u = $('updated'), age = u && (Date.now() - Date.parse(str(u.dataset.at))) / 1000;
    if (u && u.dataset.at) u.textContent = Number.isNaN(age) ? '—' : age < 1.5 ? 'just now' : `${span(age)} ago`;
  }

  function tone(status) {
    const s = str(status).toLowerCase();
    if (['ok', 'done', 'success', 'succeeded', 'up'].includes(s)) return 'ok';
    if (['warn', 'warning', 'skipped', 'partial'].includes(s)) return 'warn';
    if (['fail', 'failed', 'error', 'aborted', 'down', 'critical'].includes(s) || s.includes('fail')) return 'bad';
    return 'info';
  }
  const badge = (text, t) => el('span', { class: `badge ${t || tone(text)}` }, str(text) || '—');
  const swatch = (color) => { const s = el('span', { class: 'swatch' }); s.style.backgroundColor = color; return s; };
  // Redrawn elements keep the phase of their animation, so that a redraw every second does not restart it.
  const phase = (node, ms) => { node.style.animationDelay = `-${Date.now() % ms}ms`; return node; };
  const dash = (v) => (v === null || v === undefined || v === '' ? el('span', { class: 'muted' }, '—') : str(v));
  const table = (head, rows, cls) => el('table', { class: `grid-table ${cls}` },
    el('thead', null, el('tr', null, head.map((h) => el('th', null, h)))), el('tbody', null, rows));

  // ---- tiers ---------------------------------------------------------------------------------
  // Colours: local blue, retired grey, each server the next colour of the palette in the order of `tiers`.
  function tierInfo(doc) {
    const map = new Map();
    let i = 0;
    for (const t of arr(doc.tiers)) {
      const name = str(t.name), kind = ['local', 'server', 'retired'].includes(t.kind) ? t.kind : 'server';
      const color = kind === 'local' ? LOCAL : kind === 'retired' ? RETIRED : PALETTE[i++ % PALETTE.length];
      if (!map.has(name)) map.set(name, { name, kind, color });
    }
    for (const [name, color] of [['local', LOCAL], ['retired', RETIRED]]) if (!map.has(name)) map.set(name, { name, kind: name, color });
    return map;
  }
  const tierOf = (tiers, name) => tiers.get(str(name)) || { name: str(name), kind: 'unknown', color: UNKNOWN };

  // ---- header --------------------------------------------------------------------------------
  function renderHeader(doc) {
    const leader = obj(doc.leader), l = $('leader'), isLeader = leader.leader === true;
    if (l) {
      l.dataset.leader = String(isLeader);
      l.textContent = `${isLeader ? 'leader' : 'follower'}${leader.runner ? ` · ${str(leader.runner)}` : ''}`;
      l.title = isLeader && leader.since ? `leader since ${absolute(leader.since)}` : 'this process does not hold the lock';
    }
    const u = $('updated');
    if (u) { u.dataset.at = str(doc.taken_at); u.title = absolute(doc.taken_at); }
    banner('error', doc.error ? `Snapshot failed: ${str(doc.error)} (showing the previous figures)` : null);
    const warnings = [leader.error && `Leadership: ${str(leader.error)}`, doc.plan_error && `Plan: ${str(doc.plan_error)}`].filter(Boolean);
    banner('warning', warnings.join(' · '));
  }
  function banner(id, text) {
    const b = $(id);
    if (b) { b.hidden = !text; b.textContent = text || ''; }
  }

  // ---- timeline ------------------------------------------------------------------------------
  const isDefault = (p) => str(p.bound).toUpperCase() === 'DEFAULT';
  // The name without its schema and quotes, and without the table's name where it starts with it.
  const bare = (v) => str(v).replace(/^(?:"(?:[^"]|"")*"|[^."]*)\./, '').replace(/^"(.*)"$/, '$1').replace(/""/g, '"');
  function shortName(name, tableName) {
    const n = bare(name), base = bare(tableName);
    return base && n.startsWith(`${base}_`) && n.length > base.length + 1 ? n.slice(base.length + 1) : n;
  }
  // A long label where the block is wide, the last part of the name (a month, a day) where it is narrow.
  function labels(text) {
    const last = text.split(/[_.-]/).pop();
    return [el('span', { class: 'label long' }, text), /^[0-9A-Za-z]{1,4}$/.test(last) && last !== text ? el('span', { class: 'label short' }, last) : null];
  }
  const shortBound = (v) => str(v).replace(/^'|'$/g, '').replace(/ 00:00:00(\+00)?$/, '');

  function renderTimeline(doc, tiers, moving) {
    const tables = arr(doc.tables);
    aside('timeline', tables.length ? `${tables.length} table${tables.length === 1 ? '' : 's'}` : null);
    const legend = el('div', { class: 'legend' }, [...tiers.values()].map((t) =>
      el('span', { class: 'legend-item' }, swatch(t.color), t.name)));
    if (!tables.length) return [el('p', { class: 'empty' }, 'No partitioned tables configured')];
    return tables.map((t) => tableBlock(t, tiers, moving, legend.cloneNode(true)));
  }

  function tableBlock(t, tiers, moving, legend) {
    const name = str(t.table);
    const all = arr(t.partitions);
    const parts = all.filter((p) => !isDefault(p)).concat(all.filter(isDefault));
    const bar = el('div', { class: 'bar', role: 'list' });
    const axis = el('div', { class: 'axis', 'aria-hidden': 'true' });
    let lastYear = null;
    for (const p of parts) {
      const tier = tierOf(tiers, p.tier);
      const pname = str(p.name);
      const lines = [pname, str(p.bound) || '(no bound)', `tier: ${tier.name}${p.remote_table ? ` → ${str(p.remote_table)}` : ''}`,
        `rows: ${num(p.rows)}`, `size: ${bytes(p.size_bytes)}`];
      if (p.note) lines.push(str(p.note));
      const busy = moving.has(pname) || [...moving].some((m) => m.endsWith(`.${pname}`) || pname.endsWith(`.${m}`));
      const block = el('div', {
        class: `partition tier-${tier.kind}${busy ? ' moving' : ''}${isDefault(p) ? ' default' : ''}`,
        role: 'listitem', 'data-partition': pname, 'data-tier': str(p.tier), title: lines.join('\n'),
      }, labels(isDefault(p) ? 'default' : shortName(pname, name)));
      block.style.backgroundColor = tier.color;
      if (busy) phase(block, 1200);
      // Width grows with log(size); every block stays visible (CSS min-width).
      const grow = String(2 + Math.log2(Math.max(isNum(p.size_bytes) ? p.size_bytes : 0, 8192) / 8192) / 2);
      block.style.flexGrow = grow;
      bar.appendChild(block);
      // The axis under the bar marks where a year starts (or the first bound when not a date).
      const from = shortBound(p.from);
      const year = /^\d{4}-/.test(from) ? from.slice(0, 4) : null;
      const mark = isDefault(p) ? null : year ? (year !== lastYear ? year : null) : (axis.childElementCount ? null : from || null);
      if (year) lastYear = year;
      const tick = el('span', { class: mark ? 'tick mark' : 'tick' }, mark);
      tick.style.flexGrow = grow;
      axis.appendChild(tick);
    }
    if (!parts.length) bar.appendChild(el('div', { class: 'bar-empty' }, 'no partitions'));

    const premake = obj(t.premake);
    const head = el('div', { class: 'table-head' },
      el('span', { class: 'table-name' }, name),
      el('span', { class: 'muted mono' }, str(t.partition_key)),
      el('span', { class: 'muted' }, `${parts.length} partition${parts.length === 1 ? '' : 's'}`),
      isNum(premake.ready) && isNum(premake.wanted)
        ? el('span', { class: `badge ${premake.ready >= premake.wanted ? 'ok' : 'warn'}`, title: 'periods with partitions ready / wanted (current + premake)' },
          `premake ${premake.ready}/${premake.wanted}`) : null,
      legend);

    return el('section', { class: 'table', 'data-table': name }, head, bar, axis,
      el('div', { class: 'table-foot' }, totals(parts, tiers), nextList(arr(t.next))));
  }

  function totals(parts, tiers) {
    const by = new Map();
    for (const p of parts) {
      const s = by.get(str(p.tier)) || { n: 0, rows: null, bytes: null };
      s.n++;
      if (isNum(p.rows)) s.rows = (s.rows || 0) + p.rows;
      if (isNum(p.size_bytes)) s.bytes = (s.bytes || 0) + p.size_bytes;
      by.set(str(p.tier), s);
    }
    const order = [...tiers.keys()].filter((k) => by.has(k)).concat([...by.keys()].filter((k) => !tiers.has(k)));
    const rows = order.map((k) => {
      const s = by.get(k);
      return el('tr', { 'data-tier': k },
        el('td', null, swatch(tierOf(tiers, k).color), k),
        el('td', { class: 'num' }, `${s.n}`),
        el('td', { class: 'num' }, s.rows === null ? dash(null) : `${count(s.rows)} rows`),
        el('td', { class: 'num' }, s.bytes === null ? dash(null) : bytes(s.bytes)));
    });
    return table(['Tier', 'Partitions', 'Rows', 'Size'], rows, 'totals');
  }

  function nextList(next) {
    const box = el('div', { class: 'next-box' }, el('div', { class: 'label-small' }, 'Next'));
    if (!next.length) { box.appendChild(el('p', { class: 'nothing muted' }, 'nothing due')); return box; }
    box.appendChild(el('ul', { class: 'next-list' }, next.map((n) =>
      el('li', { class: 'next', 'data-kind': str(n.kind), title: str(n.reason) || null },
        badge(n.kind, 'info'), el('span', { class: 'desc' }, str(n.description)),
        n.reason ? el('span', { class: 'muted reason' }, str(n.reason)) : null,
        el('span', { class: 'due' }, when(n.due_at))))));
    return box;
  }

  // ---- servers -------------------------------------------------------------------------------
  function renderServers(doc, tiers) {
    const servers = arr(doc.servers);
    const down = servers.filter((s) => s.reachable !== true).length;
    aside('servers', servers.length ? badge(down ? `${down} down` : 'all up', down ? 'bad' : 'ok') : null);
    if (!servers.length) return [el('p', { class: 'empty' }, 'No servers')];
    return [table(['Server', 'State', 'Latency', 'Version', 'URI', 'Error'], servers.map((s) => {
      const up = s.reachable === true;
      const t = tiers.get(str(s.name)) || (s.name === 'coordinator' ? tiers.get('local') : null);
      return el('tr', { class: 'server', 'data-server': str(s.name), 'data-up': String(up) },
        el('td', { class: 'strong' }, t ? swatch(t.color) : el('span', { class: 'swatch none' }), str(s.name)),
        el('td', null, badge(up ? 'up' : 'down', up ? 'ok' : 'bad')),
        el('td', { class: 'num' }, isNum(s.latency_ms) ? `${s.latency_ms.toFixed(1)} ms` : dash(null)),
        el('td', null, dash(s.version)),
        el('td', { class: 'mono fill', title: str(s.uri) }, str(s.uri)),
        el('td', { class: 'error-text wrap' }, s.error ? str(s.error) : ''));
    }), 'servers')];
  }

  // ---- operations ----------------------------------------------------------------------------
  function renderOperations(doc) {
    const ops = arr(doc.operations);
    const running = ops.filter((o) => o.running === true).length;
    aside('operations', running ? badge(`${running} running`, 'info') : null);
    if (!ops.length) return [el('p', { class: 'empty' }, 'No operations yet')];
    return ops.map((o) => {
      const isRunning = o.running === true;
      const copied = isNum(o.copied_rows) ? o.copied_rows : null, expected = isNum(o.expected_rows) ? o.expected_rows : null;
      const state = str(o.state), bar = el('progress', { class: 'progress' }); // no value: indeterminate
      let text;
      if (expected !== null) {
        const max = Math.max(expected, 1);
        bar.setAttribute('max', String(max));
        bar.setAttribute('value', String(expected === 0 && state === 'done' ? max : Math.min(copied || 0, max)));
        const pct = expected > 0 ? Math.floor((100 * (copied || 0)) / expected) : 100;
        text = pct > 100 ? `${num(copied)} rows (${num(expected)} expected)` : `${num(copied || 0)} / ${num(expected)} rows (${pct}%)`;
      } else if (isRunning) {
        phase(bar, 1600);
        text = copied !== null ? `${num(copied)} rows copied` : 'waiting for progress';
      } else {
        bar.setAttribute('max', '1');
        bar.setAttribute('value', state === 'done' ? '1' : '0');
        text = copied !== null ? `${num(copied)} rows` : '';
      }
      const t = isRunning ? tone(o.error ? 'fail' : 'running') : tone(state);
      return el('div', {
        class: `operation${isRunning ? ' running' : ' finished'}`,
        'data-operation': str(o.id), 'data-state': state, 'data-running': String(isRunning),
      },
      el('div', { class: 'op-head' },
        el('span', { class: 'op-id mono' }, `#${str(o.id)}`),
        badge(o.kind, 'neutral'),
        el('span', { class: 'op-what' }, el('span', { class: 'mono' }, str(o.partition)),
          o.server ? [el('span', { class: 'arrow' }, ' → '), el('span', { class: 'strong' }, str(o.server))] : null,
          o.from_server ? el('span', { class: 'muted' }, ` (from ${str(o.from_server)})`) : null),
        badge(state, t),
        el('span', { class: 'muted op-time' }, isRunning ? ['started ', when(o.started_at)] : ['finished ', when(o.finished_at || o.updated_at)])),
      el('div', { class: 'op-progress' }, bar, el('span', { class: 'op-count' }, text)),
      o.error ? el('div', { class: 'error-text op-error' }, str(o.error)) : null);
    });
  }

  // ---- doctor --------------------------------------------------------------------------------
  let doctorOpen = false;
  function renderDoctor(doc) {
    const d = obj(doc.doctor);
    if (d.run !== true) { aside('doctor', null); return [el('p', { class: 'empty' }, 'Doctor has not run yet')]; }
    const rank = (f) => ({ bad: 0, warn: 1, info: 2, ok: 3 }[tone(f.status)]);
    const findings = arr(d.findings).map((f, i) => [f, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map((x) => x[0]);
    const ok = findings.filter((f) => tone(f.status) === 'ok');
    const issues = findings.filter((f) => tone(f.status) !== 'ok');
    const fails = issues.filter((f) => tone(f.status) === 'bad').length;
    aside('doctor', fails ? badge(`${fails} failing`, 'bad') : null,
      issues.length - fails ? badge(`${issues.length - fails} warning${issues.length - fails === 1 ? '' : 's'}`, 'warn') : null,
      el('span', { class: 'muted' }, 'ran ', when(d.at)));
    const head = ['Status', 'Check', 'Subject', 'Evidence', 'Fix'];
    const row = (f) => el('tr', { class: 'finding', 'data-check': str(f.check), 'data-status': str(f.status) },
      el('td', null, badge(f.status)), el('td', { class: 'mono' }, str(f.check)), el('td', { class: 'wrap' }, str(f.subject)),
      el('td', { class: 'evidence wrap' }, str(f.evidence)), el('td', { class: 'wrap' }, f.fix ? el('code', null, str(f.fix)) : dash(null)));
    const out = [];
    if (issues.length) out.push(table(head, issues.map(row), 'findings'));
    else out.push(el('p', { class: 'all-ok' }, badge('ok'), ` All ${ok.length} checks pass.`));
    if (ok.length) {
      const details = el('details', { class: 'ok-checks', open: doctorOpen },
        el('summary', null, `${ok.length} check${ok.length === 1 ? '' : 's'} ok`), table(head, ok.map(row), 'findings'));
      details.addEventListener('toggle', () => { doctorOpen = details.open; });
      out.push(details);
    }
    return out;
  }

  // ---- mirrors and runs ----------------------------------------------------------------------
  function renderMirrors(doc) {
    const mirrors = arr(doc.mirrors);
    const section = $('mirrors');
    if (section) section.hidden = mirrors.length === 0;
    return [table(['Mirror', 'Mode', 'Server', 'Rows', 'Staleness', 'Last refresh'], mirrors.map((m) =>
      el('tr', { class: 'mirror', 'data-mirror': str(m.mirror) },
        el('td', { class: 'strong' }, str(m.mirror)), el('td', null, dash(m.mode)), el('td', null, dash(m.server)),
        el('td', { class: 'num' }, num(m.rows)), el('td', { class: 'num' }, isNum(m.staleness_seconds) ? duration(m.staleness_seconds) : dash(null)),
        el('td', { class: 'nowrap' }, when(m.last_refresh)))), 'mirrors')];
  }

  function renderRuns(doc) {
    const runs = arr(doc.runs).slice(0, RUNS_SHOWN);
    if (!runs.length) return [el('p', { class: 'empty' }, 'No runs yet')];
    return [table(['Kind', 'Outcome', 'Started', 'Duration', 'Actions', 'Detail'], runs.map((r) => {
      const secs = r.finished_at ? (Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000 : NaN;
      return el('tr', { class: 'run', 'data-run': str(r.id), 'data-outcome': str(r.outcome), title: r.runner ? `#${str(r.id)} by ${str(r.runner)}` : null },
        el('td', { class: 'strong' }, str(r.kind)),
        el('td', null, r.outcome ? badge(r.outcome) : badge('running', 'info')),
        el('td', { class: 'nowrap' }, when(r.started_at)),
        el('td', { class: 'num' }, r.finished_at ? duration(secs) : dash(null)),
        el('td', { class: 'num' }, isNum(r.actions) ? String(r.actions) : dash(null)),
        el('td', { class: 'fill detail', title: str(r.detail) || null }, dash(r.detail)));
    }), 'runs')];
  }

  function renderSchedule(doc) {
    const s = obj(doc.schedule);
    const every = (v) => (isNum(v) ? ` (every ${span(v)})` : '');
    const item = (label, at, ev) => el('span', { class: 'sched' }, el('span', { class: 'muted' }, `${label} `),
      at ? when(at) : el('span', { class: 'muted' }, 'not scheduled on this process'), every(ev));
    const last = obj(s.last_apply);
    return [item('Next apply', s.next_apply_at, s.apply_every_seconds), item('Next doctor', s.next_doctor_at, s.doctor_every_seconds),
      s.last_apply ? el('span', { class: 'sched' }, el('span', { class: 'muted' }, 'Last apply '), badge(last.outcome || 'running'),
        isNum(last.actions) ? ` ${last.actions} action${last.actions === 1 ? '' : 's'}, ` : ' ', when(last.finished_at || last.started_at)) : null];
  }

  // ---- rendering: each part is redrawn only when its data changed ------------------------------
  const seen = new Map();
  function part(key, data, target, draw) {
    const json = JSON.stringify(data === undefined ? null : data);
    if (seen.get(key) === json || !target) return;
    seen.set(key, json);
    let nodes;
    try { nodes = draw(); } catch (e) {
      console.info(`Strata: could not draw ${key}:`, e);
      nodes = [el('p', { class: 'empty error-text' }, 'This part could not be drawn.')];
    }
    target.replaceChildren(...nodes.filter(Boolean));
  }

  let lastTaken = 0;
  function render(doc) {
    const taken = Date.parse(str(doc.taken_at));
    if (taken < lastTaken) return; // an older document arriving late
    if (!Number.isNaN(taken)) lastTaken = taken;
    const tiers = tierInfo(doc);
    const moving = new Set(arr(doc.operations).filter((o) => o.running === true).map((o) => str(o.partition)));
    try { renderHeader(doc); } catch (e) { console.info('Strata: header', e); }
    part('timeline', [doc.tiers, doc.tables, [...moving]], body('timeline'), () => renderTimeline(doc, tiers, moving));
    part('servers', [doc.tiers, doc.servers], body('servers'), () => renderServers(doc, tiers));
    part('operations', doc.operations, body('operations'), () => renderOperations(doc));
    part('doctor', doc.doctor, body('doctor'), () => renderDoctor(doc));
    part('mirrors', doc.mirrors, body('mirrors'), () => renderMirrors(doc));
    part('runs', doc.runs, body('runs'), () => renderRuns(doc));
    part('schedule', doc.schedule, $('schedule'), () => renderSchedule(doc));
    tick();
  }

  function accept(text) {
    let doc = null;
    try { doc = JSON.parse(text); } catch (e) { console.info('Strata: ignored a document that is not JSON'); }
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) render(doc);
  }

  // ---- transport: server-sent events, else polling ---------------------------------------------
  function connection(state) {
    const c = $('connection');
    if (c && (c.dataset.state !== state || c.textContent !== state)) { c.dataset.state = state; c.textContent = state; }
  }

  // Live while the event stream is open; on its error (or 45 s without an event, the server sends
  // one at least every 15 s) poll every 2 s, and try the stream again 30 s later.
  let source = null, lastEvent = 0, pollTimer = 0, retryTimer = 0;
  let polling = 0, generations = 0; // the generation of the current polling loop, 0 when not polling

  function startLive() {
    clearTimeout(retryTimer);
    let es;
    try { es = new EventSource('api/v1/events'); } catch (e) { startPolling(); return; }
    source = es;
    lastEvent = Date.now();
    const live = () => { if (source === es) { lastEvent = Date.now(); stopPolling(); connection('live'); } };
    const onState = (ev) => { if (source === es) { live(); accept(ev.data); } };
    es.addEventListener('open', live);
    es.addEventListener('state', onState);
    es.addEventListener('message', onState);
    es.addEventListener('error', () => { if (source === es) fallBack(); });
  }
  function fallBack() {
    if (source) source.close();
    source = null;
    console.info('Strata: live updates unavailable; polling every 2 s');
    startPolling();
    retryTimer = setTimeout(startLive, RETRY_LIVE_MS);
  }
  function watchdog() { if (source && Date.now() - lastEvent > 45000) fallBack(); }

  function startPolling() { if (!polling) { polling = ++generations; pollOnce(polling); } }
  function stopPolling() { polling = 0; clearTimeout(pollTimer); }
  async function pollOnce(generation) {
    const ok = await fetchOnce();
    if (polling !== generation) return;
    connection(ok ? 'polling' : 'offline');
    pollTimer = setTimeout(() => pollOnce(generation), POLL_MS);
  }
  async function fetchOnce() {
    try {
      const response = await fetch('api/v1/dashboard', { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (response.ok) accept(await response.text());
      return response.ok;
    } catch (e) {
      return false;
    }
  }

  function start() {
    fetchOnce(); // draws at once, whatever the stream does
    if (typeof window.EventSource === 'function') startLive(); else startPolling();
    setInterval(() => { tick(); watchdog(); }, 1000);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
