// Berth's dashboard: plain JavaScript, no build, no library. Reads and acts through /api/v1 (the routes the CLI
// uses) with the admin token kept in sessionStorage, and follows the server-sent events of /api/v1/events (read
// with fetch, which, unlike EventSource, sends the token). Loaded as a file: the page's CSP allows no inline script.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'berth.adminToken';
const MAX_ITEMS = 50;
const HISTORY_MS = 5 * 60 * 1000;
const REFRESH_MS = 2000;
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed-out', 'dead']);

const $ = (id) => document.getElementById(id);
const state = {
  items: new Map(),          // recent item events, by id, in arrival order
  queues: [],                // the last /queues answer
  lastQueues: null,          // {at, queues: Map} of the previous refresh, for rates
  history: new Map(),        // queue -> [{t, depth, inFlight, rate, waitMs}], the last HISTORY_MS
  seenTypes: new Map(),      // queue -> Set of types seen in events and lists
  messages: new Map(),       // "table:key" -> {text, error}: an action's outcome, kept across re-renders
  stream: null, refreshTimer: null, clockTimer: null, pending: false,
  view: 'overview', startedAt: null,
  list: { queue: null, cursors: [null], page: 0, items: [] },
  detail: null,              // {queue, id} of the item shown in detail
};

function token() { return sessionStorage.getItem(TOKEN_KEY); }

/** An answer of the API that is not 2xx: its status, Berth's error code and message. */
class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error : null;
  }
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${token()}` };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(API + path, { ...options, headers, cache: 'no-store' });
  let body = null;
  try { body = await response.json(); } catch (e) { /* not JSON */ }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** A readable sentence for a failed request: the API's own message with its status and code. */
function describe(e) {
  if (e instanceof ApiError) return `${e.message} (${e.status}${e.code ? ` ${e.code}` : ''})`;
  return `Could not reach the host: ${e.message}`;
}

const enc = encodeURIComponent;

function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleTimeString([], { hour12: false });
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text == null ? '' : String(text);
  if (className) td.className = className;
  return td;
}

function fill(tableId, rows, render) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  for (const r of rows) render(body.insertRow(), r);
}

function setMessage(el, text, error) {
  el.textContent = text || '';
  el.classList.toggle('error', !!error);
  el.classList.toggle('ok', !!text && !error);
}

/**
 * Runs an action from a button: the button is disabled meanwhile, and the outcome (or the API's error message)
 * is shown next to it, under `key`, so that a re-render of the table keeps it.
 */
async function act(button, key, run, done) {
  button.disabled = true;
  state.messages.set(key, { text: '…', error: false });
  applyMessages();
  try {
    const text = await run();
    state.messages.set(key, { text, error: false });
    if (done) await done();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { signOut(refusedMessage()); return; }
    state.messages.set(key, { text: describe(e), error: true });
  } finally {
    button.disabled = false;
    applyMessages();
  }
}

function applyMessages() {
  for (const el of document.querySelectorAll('[data-msg]')) {
    const m = state.messages.get(el.dataset.msg);
    setMessage(el, m && m.text, m && m.error);
  }
}

/** A cell with action buttons and the message of their last outcome. */
function actions(row, key, buttons) {
  const td = row.insertCell();
  td.className = 'actions';
  for (const [label, run, done] of buttons) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.action = label.toLowerCase();
    b.addEventListener('click', () => act(b, key, run, done));
    td.append(b);
  }
  const msg = document.createElement('span');
  msg.className = 'msg';
  msg.dataset.msg = key;
  msg.setAttribute('role', 'status');
  td.append(msg);
  return td;
}

// ------------------------------------------------------------------ overview

function renderServices(services) {
  fill('services', services, (row, s) => {
    row.dataset.name = s.name;
    cell(row, s.name);
    cell(row, s.kind);
    cell(row, s.paused ? 'paused' : s.state, `state state-${s.paused ? 'paused' : s.state}`);
    cell(row, time(s.startedAt));
    cell(row, s.error, 'error');
  });
  fill('timed', services.filter((s) => s.kind === 'timed'), (row, s) => {
    row.dataset.name = s.name;
    cell(row, s.name + (s.paused ? ' (paused)' : ''), 'name');
    cell(row, s.schedule);
    cell(row, s.runs, 'runs');
    cell(row, s.failures, 'failures');
    cell(row, s.lastOutcome ? `${s.lastOutcome} (${s.lastDurationMs} ms)` : '', `state-${s.lastOutcome || ''}`);
    cell(row, time(s.nextRunAt));
    const path = `/services/${enc(s.name)}`;
    actions(row, `timed:${s.name}`, [
      ['Trigger', async () => { await api(`${path}/trigger`, { method: 'POST' }); return 'triggered'; }, refresh],
      s.paused
        ? ['Resume', async () => { await api(`${path}/resume`, { method: 'POST' }); return 'resumed'; }, refresh]
        : ['Pause', async () => { await api(`${path}/pause`, { method: 'POST' }); return 'paused'; }, refresh],
    ]);
  });
  applyMessages();
}

// ------------------------------------------------------------------ queues

function waitMs(q) {
  return q.latency && q.latency.p99Micros != null ? q.latency.p99Micros / 1000 : (q.p99Ms != null ? q.p99Ms : null);
}

function renderQueues(queues) {
  const now = performance.now();
  const before = state.lastQueues;
  state.queues = queues;
  fill('queues', queues, (row, q) => {
    row.dataset.name = q.name;
    row.classList.toggle('paused', !!q.paused);
    cell(row, q.name + (q.paused ? ' (paused)' : ''), 'name');
    cell(row, q.depth, 'depth');
    cell(row, q.inFlight, 'in-flight');
    cell(row, q.enqueued, 'enqueued');
    cell(row, q.succeeded, 'succeeded');
    cell(row, q.failed, 'failed');
    cell(row, q.dead, 'dead');
    let rate = null;
    const prev = before && before.queues.get(q.name);
    if (prev && now > before.at) {
      const done = q.succeeded + q.failed - prev.succeeded - prev.failed;
      rate = done / ((now - before.at) / 1000);
    }
    cell(row, rate == null ? '' : rate.toFixed(1), 'rate');
    const wait = waitMs(q);
    cell(row, wait == null ? '' : wait.toFixed(1));
    const path = `/queues/${enc(q.name)}`;
    actions(row, `queue:${q.name}`, [q.paused
      ? ['Resume', async () => { await api(`${path}/resume`, { method: 'POST' }); return 'resumed'; }, refresh]
      : ['Pause', async () => { await api(`${path}/pause`, { method: 'POST' }); return 'paused'; }, refresh]]);
    record(q, rate, wait);
    for (const t of q.types || []) typeSeen(q.name, t);
  });
  state.lastQueues = { at: now, queues: new Map(queues.map((q) => [q.name, q])) };
  const filled = {};
  for (const id of ['chart-queue', 'enqueue-queue', 'filter-queue', 'dead-queue']) {
    filled[id] = queueOptions($(id), queues);
  }
  typeOptions();
  // A view opened before the queues were known loads once they are.
  if (filled['dead-queue'] && state.view === 'dead') loadDead();
  if (filled['filter-queue'] && state.view === 'items') loadList();
  applyMessages();
  drawChart();
}

/** Fills a queue selector; true when it had no queue before. */
function queueOptions(select, queues) {
  const current = select.value;
  const names = queues.map((q) => q.name);
  if ([...select.options].map((o) => o.value).join() === names.join()) return false;
  select.replaceChildren(...names.map((n) => new Option(n, n)));
  if (names.includes(current)) select.value = current;
  return !current && names.length > 0;
}

function typeSeen(queue, type) {
  if (!type) return;
  if (!state.seenTypes.has(queue)) state.seenTypes.set(queue, new Set());
  state.seenTypes.get(queue).add(type);
}

/** The known types of the chosen queue: its handlers' types when the API lists them, else those seen. */
function typesOf(queue) {
  const q = state.queues.find((x) => x.name === queue);
  if (q && Array.isArray(q.types)) return [...q.types].sort();
  return [...(state.seenTypes.get(queue) || [])].sort();
}

function typeOptions() {
  for (const [selectId, queueId, any] of [['enqueue-type', 'enqueue-queue', false],
    ['filter-type', 'filter-queue', true]]) {
    const select = $(selectId);
    const current = select.value;
    const types = typesOf($(queueId).value);
    const wanted = (any ? [''] : []).concat(types);
    if ([...select.options].map((o) => o.value).join() === wanted.join()) continue;
    select.replaceChildren(...wanted.map((t) => new Option(t || 'any', t)));
    if (wanted.includes(current)) select.value = current;
  }
}

function record(q, rate, wait) {
  const t = Date.now();
  if (!state.history.has(q.name)) state.history.set(q.name, []);
  const h = state.history.get(q.name);
  h.push({ t, depth: q.depth, inFlight: q.inFlight, rate, wait });
  while (h.length && h[0].t < t - HISTORY_MS) h.shift();
}

/** Depth, in flight, items/s and wait p99 of one queue over the last minutes, each on its own scale. */
function drawChart() {
  const canvas = $('chart');
  if (state.view !== 'queues' || !canvas.offsetWidth) return;
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.offsetWidth;
  const height = canvas.offsetHeight;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  const h = state.history.get($('chart-queue').value) || [];
  const now = Date.now();
  const x = (t) => width - ((now - t) / HISTORY_MS) * width;
  g.font = '11px system-ui, sans-serif';
  const series = [['depth', '#3060c0'], ['inFlight', '#2f8d3f'], ['rate', '#c08020'], ['wait', '#a13a8f']];
  series.forEach(([field, color], n) => {
    const points = h.filter((p) => p[field] != null);
    const max = Math.max(1, ...points.map((p) => p[field]));
    g.strokeStyle = color;
    g.fillStyle = color;
    g.lineWidth = 1.5;
    g.beginPath();
    points.forEach((p, i) => {
      const y = height - 4 - (p[field] / max) * (height - 20);
      if (i === 0) g.moveTo(x(p.t), y); else g.lineTo(x(p.t), y);
    });
    g.stroke();
    g.fillText(`max ${Number.isInteger(max) ? max : max.toFixed(1)}`, 4 + n * 90, 12);
  });
  g.fillStyle = '#667';
  g.fillText('−5 min', 4, height - 4);
  g.fillText('now', width - 24, height - 4);
}

// ------------------------------------------------------------------ enqueue

async function enqueue(e) {
  e.preventDefault();
  const msg = $('enqueue-msg');
  const queue = $('enqueue-queue').value;
  const type = $('enqueue-type').value;
  let payload;
  try {
    payload = JSON.parse($('enqueue-payload').value || '{}');
  } catch (err) {
    setMessage(msg, `The payload is not valid JSON: ${err.message}. Nothing was sent.`, true);
    return;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    setMessage(msg, 'The payload must be a JSON object, like {"to": "ops"}. Nothing was sent.', true);
    return;
  }
  if (!queue || !type) {
    setMessage(msg, 'Choose a queue and one of its types.', true);
    return;
  }
  const button = e.submitter || $('enqueue').querySelector('button');
  button.disabled = true;
  try {
    const answer = await api(`/queues/${enc(queue)}/items`, { method: 'POST', body: JSON.stringify({ type, payload }) });
    setMessage(msg, `Enqueued ${answer.id}`, false);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { signOut(refusedMessage()); return; }
    setMessage(msg, describe(err), true);
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ recent items (live)

function renderItems() {
  const items = [...state.items.values()].reverse();
  fill('items', items, (row, i) => {
    row.dataset.id = i.id;
    const link = cell(row, '');
    link.append(itemLink(i.queue, i.id));
    cell(row, i.queue);
    cell(row, i.type);
    cell(row, i.status, `status state-${i.status}`);
    cell(row, time(i.at));
    cell(row, i.error, 'error');
  });
}

function itemLink(queue, id) {
  const a = document.createElement('a');
  a.href = `#items/${enc(queue)}/${enc(id)}`;
  a.textContent = id;
  a.addEventListener('click', (e) => { e.preventDefault(); openItem(queue, id); });
  return a;
}

function onItem(event) {
  state.items.delete(event.id);   // re-inserted last: the map keeps arrival order
  state.items.set(event.id, event);
  while (state.items.size > MAX_ITEMS) state.items.delete(state.items.keys().next().value);
  typeSeen(event.queue, event.type);
  renderItems();
  // The same item in the list of the items view moves on too.
  const row = document.querySelector(`#item-list tr[data-id="${CSS.escape(event.id)}"]`);
  if (row) {
    row.querySelector('.status').textContent = event.status;
    row.querySelector('.status').className = `status state-${event.status}`;
  }
  if (state.detail && state.detail.id === event.id) loadDetail();
  scheduleRefresh();
}

// ------------------------------------------------------------------ items of a queue, item detail

async function loadList() {
  const l = state.list;
  const params = new URLSearchParams({ limit: '25' });
  if ($('filter-state').value) params.set('state', $('filter-state').value);
  if ($('filter-type').value) params.set('type', $('filter-type').value);
  const cursor = l.cursors[l.page];
  if (cursor) params.set('cursor', cursor);
  l.queue = $('filter-queue').value;
  if (!l.queue) return;
  try {
    const answer = await api(`/queues/${enc(l.queue)}/items?${params}`);
    l.items = answer.items;
    l.cursors[l.page + 1] = answer.next;
    $('item-next').disabled = !answer.next;
    setMessage($('item-list-msg'), `${answer.items.length} item(s), page ${l.page + 1}`, false);
    renderList();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { signOut(refusedMessage()); return; }
    setMessage($('item-list-msg'), describe(e), true);
  }
}

function renderList() {
  const queue = state.list.queue;
  fill('item-list', state.list.items, (row, i) => {
    row.dataset.id = i.id;
    typeSeen(queue, i.type);
    cell(row, '').append(itemLink(queue, i.id));
    cell(row, i.type);
    cell(row, i.status, `status state-${i.status}`);
    cell(row, i.attempts);
    cell(row, time(i.enqueuedAt));
    cell(row, i.error, 'error');
    if (FINAL.has(i.status)) {
      cell(row, '');
    } else {
      actions(row, `item:${i.id}`, [['Cancel', async () => {
        const a = await api(`/queues/${enc(queue)}/items/${enc(i.id)}`, { method: 'DELETE' });
        return a.status;
      }, loadList]]);
    }
  });
  applyMessages();
}

async function openItem(queue, id) {
  state.detail = { queue, id };
  showView('items', false);
  await loadDetail();
  $('item-detail').scrollIntoView({ block: 'nearest' });
}

async function loadDetail() {
  const d = state.detail;
  if (!d) return;
  $('item-detail').hidden = false;
  $('detail-id').textContent = d.id;
  try {
    const i = await api(`/queues/${enc(d.queue)}/items/${enc(d.id)}`);
    $('detail-queue').textContent = i.queue;
    $('detail-type').textContent = i.type;
    $('detail-status').textContent = i.status;
    $('detail-status').className = `state-${i.status}`;
    $('detail-attempts').textContent = i.attempts;
    $('detail-enqueued').textContent = i.enqueuedAt || '';
    $('detail-started').textContent = i.startedAt || '';
    $('detail-finished').textContent = i.finishedAt || '';
    $('detail-next').textContent = i.nextAttemptAt || i.runAt || '';
    // As text, pretty-printed: the payload is user data and never becomes markup.
    $('detail-payload').textContent = i.payload === undefined || i.payload === null
      ? '(not kept: the store let go of it once the item ended, or the item is in-process work)'
      : JSON.stringify(i.payload, null, 2);
    const errors = i.errors && i.errors.length ? i.errors : (i.error ? [i.error] : []);
    $('detail-errors').replaceChildren(...errors.map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { signOut(refusedMessage()); return; }
    $('detail-status').textContent = describe(e);
    $('detail-status').className = 'error';
  }
}

// ------------------------------------------------------------------ dead letters

async function loadDead() {
  const queue = $('dead-queue').value;
  if (!queue) return;
  try {
    const answer = await api(`/queues/${enc(queue)}/dead`);
    setMessage($('dead-msg'), `${answer.items.length} dead item(s)`, false);
    fill('dead', answer.items, (row, i) => {
      row.dataset.id = i.id;
      cell(row, '').append(itemLink(queue, i.id));
      cell(row, i.type);
      cell(row, i.attempts);
      cell(row, time(i.finishedAt));
      cell(row, i.error, 'error');
      const path = `/queues/${enc(queue)}`;
      actions(row, `dead:${i.id}`, [
        ['Retry', async () => (await api(`${path}/items/${enc(i.id)}/retry`, { method: 'POST' })).status, loadDead],
        ['Delete', async () => (await api(`${path}/dead/${enc(i.id)}`, { method: 'DELETE' })).status, loadDead],
      ]);
    });
    applyMessages();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { signOut(refusedMessage()); return; }
    setMessage($('dead-msg'), describe(e), true);
  }
}

// ------------------------------------------------------------------ tokens

async function loadTokens() {
  try {
    const answer = await api('/tokens');
    fill('tokens', answer.tokens, (row, t) => {
      row.dataset.name = t.name;
      cell(row, t.name);
      cell(row, t.state, `state state-${t.state}`);
      cell(row, time(t.expiresAt));
      cell(row, time(t.lastRefreshAt));
      cell(row, t.consecutiveFailures);
      cell(row, t.lastError, 'error');
    });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { signOut(refusedMessage()); return; }
    $('board-error').textContent = describe(e);
  }
}

// ------------------------------------------------------------------ refresh, events, views

/** Re-reads services and queues at most every 500 ms while events arrive. */
function scheduleRefresh() {
  if (state.pending) return;
  state.pending = true;
  setTimeout(() => { state.pending = false; refresh(); }, 500);
}

async function refresh() {
  if (!token()) return;
  try {
    const [services, queues] = await Promise.all([api('/services'), api('/queues')]);
    renderServices(services.services);
    renderQueues(queues.queues);
    $('board-error').textContent = '';
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) signOut(refusedMessage());
    else $('board-error').textContent = describe(e);
  }
}

function refusedMessage() {
  return 'The admin token was refused (401 unauthorized). Check it and sign in again.';
}

function setLive(on) {
  $('live').textContent = on ? 'live' : 'offline';
  $('live').className = on ? 'pill on' : 'pill off';
}

function tick() {
  if (!state.startedAt) { $('uptime').textContent = ''; return; }
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(state.startedAt)) / 1000));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0'));
  $('uptime').textContent = `up ${d ? `${d}d ` : ''}${hms.join(':')}`;
}

/** Follows /api/v1/events; reconnects after a second when the stream ends (a restart of the host). */
async function follow() {
  const controller = new AbortController();
  state.stream = controller;
  try {
    const response = await fetch(`${API}/events`, {
      headers: { Authorization: `Bearer ${token()}`, Accept: 'text/event-stream' },
      signal: controller.signal, cache: 'no-store',
    });
    if (response.status === 401) throw new ApiError(401, null);
    if (!response.ok || !response.body) throw new Error(`event stream: HTTP ${response.status}`);
    setLive(true);
    refresh();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch (e) {
    if (controller.signal.aborted) return;
    if (e instanceof ApiError) { signOut(refusedMessage()); return; }
  }
  setLive(false);
  if (!controller.signal.aborted && token()) setTimeout(follow, 1000);
}

function dispatch(frame) {
  let name = 'message';
  let data = '';
  for (const line of frame.split('\n')) {
    if (line.startsWith('event: ')) name = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (!data) return;
  const event = JSON.parse(data);
  if (name === 'item') {
    onItem(event);
  } else if (name === 'lifetime') {
    $('host-state').textContent = event.event;
    $('host-state-detail').textContent = event.event;
    if (event.node) $('host-node').textContent = event.node;
    if (event.startedAt || event.event === 'started') {
      state.startedAt = event.startedAt || event.at;
      $('host-started').textContent = state.startedAt;
    }
    tick();
  } else {
    scheduleRefresh();   // service, timed-run, node, ...: re-read the tables
  }
}

function showView(view, load = true) {
  state.view = view;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('current', b.dataset.view === view);
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${view}`;
  if (window.location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`);
  if (!load) return;
  if (view === 'items') { state.list.cursors = [null]; state.list.page = 0; loadList(); }
  if (view === 'dead') loadDead();
  if (view === 'tokens') loadTokens();
  if (view === 'queues') drawChart();
}

function signIn(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
  $('sign-in-error').textContent = '';
  show();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.stream) state.stream.abort();
  clearInterval(state.refreshTimer);
  clearInterval(state.clockTimer);
  setLive(false);
  $('sign-in-error').textContent = message || '';
  show();
}

function show() {
  const signedIn = !!token();
  $('sign-in').hidden = signedIn;
  $('board').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
  if (signedIn) {
    refresh();
    follow();
    state.refreshTimer = setInterval(refresh, REFRESH_MS);   // rates, charts and next runs move without events too
    state.clockTimer = setInterval(tick, 1000);
    const view = (window.location.hash || '#overview').slice(1).split('/')[0];
    showView(['overview', 'queues', 'items', 'dead', 'tokens'].includes(view) ? view : 'overview');
  } else {
    $('token').focus();
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('token').value.trim());
    $('token').value = '';
  });
  $('sign-out').addEventListener('click', () => signOut(''));
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showView(b.dataset.view));
  $('enqueue').addEventListener('submit', enqueue);
  $('enqueue-queue').addEventListener('change', typeOptions);
  $('filter-queue').addEventListener('change', typeOptions);
  $('chart-queue').addEventListener('change', drawChart);
  $('item-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    state.list.cursors = [null];
    state.list.page = 0;
    loadList();
  });
  $('item-first').addEventListener('click', () => { state.list.page = 0; loadList(); });
  $('item-next').addEventListener('click', () => { state.list.page += 1; loadList(); });
  $('dead-filter').addEventListener('submit', (e) => { e.preventDefault(); loadDead(); });
  window.addEventListener('resize', drawChart);
  show();
});
