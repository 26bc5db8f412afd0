// Berth's dashboard: plain JavaScript, no build. Reads /api/v1 with the admin token kept in sessionStorage and
// follows the server-sent events of /api/v1/events (read with fetch, which, unlike EventSource, sends the token).
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'berth.adminToken';
const MAX_ITEMS = 50;

const $ = (id) => document.getElementById(id);
const state = { items: new Map(), lastQueues: null, stream: null, refreshTimer: null, pending: false };

function token() { return sessionStorage.getItem(TOKEN_KEY); }

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const response = await fetch(API + path, {
    ...options,
    headers: { ...(options.headers || {}), Authorization: `Bearer ${token()}` },
    cache: 'no-store',
  });
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    throw new ApiError(response.status, body);
  }
  return response.json();
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

function renderServices(services) {
  fill('services', services, (row, s) => {
    row.dataset.name = s.name;
    cell(row, s.name);
    cell(row, s.kind);
    cell(row, s.state, `state state-${s.state}`);
    cell(row, s.error, 'error');
  });
  fill('timed', services.filter((s) => s.kind === 'timed'), (row, s) => {
    row.dataset.name = s.name;
    cell(row, s.name);
    cell(row, s.schedule);
    cell(row, s.runs, 'runs');
    cell(row, s.failures);
    cell(row, s.lastOutcome ? `${s.lastOutcome} (${s.lastDurationMs} ms)` : '');
    cell(row, s.nextRunAt ? new Date(s.nextRunAt).toLocaleTimeString() : '');
  });
}

function renderQueues(queues) {
  const now = performance.now();
  const before = state.lastQueues;
  fill('queues', queues, (row, q) => {
    row.dataset.name = q.name;
    cell(row, q.name);
    cell(row, q.depth, 'depth');
    cell(row, q.inFlight, 'in-flight');
    cell(row, q.enqueued, 'enqueued');
    cell(row, q.succeeded, 'succeeded');
    cell(row, q.failed, 'failed');
    let rate = '';
    const prev = before && before.queues.get(q.name);
    if (prev && now > before.at) {
      const finished = q.succeeded + q.failed - prev.succeeded - prev.failed;
      rate = (finished / ((now - before.at) / 1000)).toFixed(1);
    }
    cell(row, rate, 'rate');
    cell(row, q.p99Ms);
  });
  state.lastQueues = { at: now, queues: new Map(queues.map((q) => [q.name, q])) };
}

function renderItems() {
  const items = [...state.items.values()].reverse();
  fill('items', items, (row, i) => {
    row.dataset.id = i.id;
    cell(row, i.id);
    cell(row, i.queue);
    cell(row, i.type);
    cell(row, i.status, `status state-${i.status}`);
    cell(row, i.error, 'error');
  });
}

function onItem(event) {
  state.items.delete(event.id);   // re-inserted last: the map keeps arrival order
  state.items.set(event.id, event);
  while (state.items.size > MAX_ITEMS) state.items.delete(state.items.keys().next().value);
  renderItems();
  scheduleRefresh();
}

/** Re-reads services and queues at most every 500 ms while events arrive. */
function scheduleRefresh() {
  if (state.pending) return;
  state.pending = true;
  setTimeout(() => { state.pending = false; refresh(); }, 500);
}

async function refresh() {
  try {
    const [services, queues] = await Promise.all([api('/services'), api('/queues')]);
    renderServices(services.services);
    renderQueues(queues.queues);
    $('board-error').textContent = '';
  } catch (e) {
    handleError(e, 'board-error');
  }
}

function handleError(e, where) {
  if (e instanceof ApiError && e.status === 401) {
    signOut('The admin token was refused (401). Check it and sign in again.');
  } else {
    $(where).textContent = `Could not reach the host: ${e.message}`;
  }
}

function setLive(on) {
  $('live').textContent = on ? 'live' : 'offline';
  $('live').className = on ? 'pill on' : 'pill off';
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
    if (e instanceof ApiError) { handleError(e, 'board-error'); return; }
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
  if (name === 'item') onItem(event);
  else if (name === 'lifetime') $('host-state').textContent = event.event;
  else scheduleRefresh();   // service, timed-run: re-read the tables
}

function signIn(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
  show();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.stream) state.stream.abort();
  clearInterval(state.refreshTimer);
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
    state.refreshTimer = setInterval(refresh, 5000);   // rates and next runs move without events too
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
  show();
});
