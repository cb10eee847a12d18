// The dashboard's entry: sign-in (key in sessionStorage), the live feed, the software stop and its
// reset, and the wiring of the panels. Every refusal is shown in the API's own words, with its code.

import { ApiError, createApi } from './api.js';
import { createAxesView } from './axes-view.js';
import { byId, setText } from './dom.js';
import { connectFeed } from './feed.js';
import { createHealthView } from './health-view.js';
import { createInspectionsView } from './inspections-view.js';
import { createLineView } from './line-view.js';
import { createModeView } from './mode-view.js';
import { createOeeView } from './oee-view.js';
import { createStationsView, ownersFromStations } from './stations-view.js';

const KEY_STORAGE = 'servo-edge.apiKey';
const RANK = { viewer: 0, operator: 1, admin: 2 };
/** Plots redraw at most this often: smooth enough for 30 s of history, cheap on a tablet. */
const DRAW_PERIOD_MS = 200;

let key = sessionStorage.getItem(KEY_STORAGE) ?? '';
let role = 'viewer';
let feed;
const api = createApi(() => key);

const can = (need) => (RANK[role] ?? 0) >= (RANK[need] ?? 99);

function showNotice(text, code) {
  setText(byId('notice-text'), text);
  // The code is what a manual or a support ticket names; the words may change, the code does not.
  setText(byId('notice-code'), code ?? '');
  byId('notice-code').hidden = !code;
  byId('notice').dataset.code = code ?? '';
  byId('notice').hidden = false;
}

function clearNotice() {
  byId('notice').hidden = true;
}

/**
 * Runs one operator action; a refusal becomes a notice (title and detail), never an exception.
 * keepNotice: a follow-up (the stop after a jog) must not wipe the words about what came before.
 */
async function act(what, { keepNotice = false } = {}) {
  if (!keepNotice) clearNotice();
  try {
    return await what();
  } catch (error) {
    if (error instanceof ApiError) {
      showNotice(error.words, error.code);
      if (error.status === 401) signOut(error.words);
    } else {
      showNotice(`Unexpected error: ${error?.message ?? error}`);
    }
    return undefined;
  }
}

const axes = createAxesView({ container: byId('axis-list'), api, can, act });
const line = createLineView({ api, can, act });
const mode = createModeView({ api, can, act, onLine: (snapshot) => applyLine(snapshot) });
const oee = createOeeView();
const stations = createStationsView();
/** Axis owners from the feed's snapshot; the line's stations fill in any it does not name. */
let feedOwners = {};
/** The newest line snapshot shown (epoch ms): a REST answer older than the feed's must not undo it. */
let lineShownAtMs = Number.NEGATIVE_INFINITY;
const health = createHealthView();
const inspections = createInspectionsView({
  api,
  latest: byId('latest-labels'),
  rejects: byId('reject-labels'),
});

function applyRole(next) {
  if (next === role) return;
  role = next;
  // Controls are built for a role: rebuild them all (the next snapshot fills them in).
  axes.clear();
  line.reset();
  mode.reset();
  for (const el of document.querySelectorAll('[data-needs]')) el.disabled = !can(el.dataset.needs);
  setText(
    byId('role-label'),
    role === 'viewer' ? 'viewer — read only' : role === 'operator' ? 'operator' : 'admin',
  );
  document.body.dataset.role = role;
}

function showStopLatch(controllers) {
  const latched = controllers.filter((c) => c.estopLatched).map((c) => c.id);
  byId('stop-banner').hidden = latched.length === 0;
  setText(byId('stop-banner-controllers'), latched.join(', '));
  document.body.classList.toggle('stopped', latched.length > 0);
}

/** The config has no line (the feed's `line: null`, or 404 EDGE_LINE_NOT_CONFIGURED): the axes only. */
function showNoLine() {
  document.body.dataset.line = 'none';
  byId('line-none').hidden = false;
}

/** One line snapshot (feed, sign-in or a command's answer) to every panel that shows part of it. */
function applyLine(snapshot) {
  if (typeof snapshot?.timestampMs === 'number') {
    if (snapshot.timestampMs < lineShownAtMs) return;
    lineShownAtMs = snapshot.timestampMs;
  }
  line.update(snapshot);
  mode.update(snapshot);
  oee.update(snapshot.oee);
  stations.update(snapshot.stations, snapshot.stationFault);
  axes.owners({ ...ownersFromStations(snapshot.stations), ...feedOwners }, snapshot.mode);
  health.vision(snapshot.visionOnline);
}

function onFeedMessage(message) {
  const now = performance.now();
  if (message.type === 'snapshot') {
    applyRole(message.role);
    feedOwners = message.axisOwners ?? {};
    mode.rules(message.unitModes);
    inspections.clear();
    inspections.add(message.inspections);
    if (message.line === null) showNoLine();
  }
  if (message.axes) axes.update(message.axes, now);
  if (message.line) applyLine(message.line);
  if (message.controllers) {
    health.controllers(message.controllers);
    showStopLatch(message.controllers);
  }
  if (message.broker) health.broker(message.broker);
  if (message.type === 'update' && message.inspections) inspections.add(message.inspections);
  if (message.events) health.events(message.events);
}

function onFeedStatus(status) {
  const el = byId('feed-status');
  el.dataset.status = status;
  setText(el, status === 'live' ? 'live' : status);
  document.body.dataset.feed = status;
  // Without the feed the operator cannot see the axes: no jog may keep running blind.
  if (status !== 'live') axes.stopAllJogs();
}

async function onFeedRefused() {
  try {
    await api.get('/line');
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) signOut(error.words);
  }
}

function startFeed() {
  feed?.close();
  feed = connectFeed({ key, onMessage: onFeedMessage, onStatus: onFeedStatus, onRefused: onFeedRefused });
}

async function signIn(candidate) {
  key = candidate;
  try {
    // One plain request first: a wrong key is answered in words here, not as a silent socket close.
    // Without a line the key is still checked (auth answers before the 404); the axes are all there is.
    const snapshot = await api.get('/line').catch((error) => {
      if (error instanceof ApiError && error.code === 'EDGE_LINE_NOT_CONFIGURED') return null;
      throw error;
    });
    if (snapshot === null) showNoLine();
    else applyLine(snapshot);
  } catch (error) {
    key = '';
    sessionStorage.removeItem(KEY_STORAGE);
    showNotice(error instanceof ApiError ? error.words : String(error));
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  clearNotice();
  byId('login').hidden = true;
  byId('app').hidden = false;
  byId('who').hidden = false;
  startFeed();
}

function signOut(reason) {
  feed?.close();
  feed = undefined;
  axes.stopAllJogs();
  key = '';
  sessionStorage.removeItem(KEY_STORAGE);
  lineShownAtMs = Number.NEGATIVE_INFINITY;
  feedOwners = {};
  role = '';
  applyRole('viewer');
  inspections.clear();
  health.clear();
  byId('app').hidden = true;
  byId('who').hidden = true;
  byId('login').hidden = false;
  onFeedStatus('offline');
  if (reason) showNotice(reason);
  byId('api-key').focus();
}

byId('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId('api-key');
  const candidate = input.value.trim();
  input.value = '';
  if (candidate) signIn(candidate);
});
byId('sign-out').addEventListener('click', () => signOut());
byId('notice-close').addEventListener('click', clearNotice);

// The software stop: no confirmation, no delay. It is sent even while the feed is down.
byId('software-stop').addEventListener('click', () => act(() => api.post('/estop')));
byId('stop-reset').addEventListener('click', () => act(() => api.post('/estop/reset')));

document.addEventListener('visibilitychange', () => {
  if (document.hidden) axes.stopAllJogs();
});
// The window lost focus (another app, an alert): a button held there is no longer being watched.
window.addEventListener('blur', () => axes.stopAllJogs());
// The tab is closing or navigating away: send the stops now, as keepalive requests that outlive the page.
// If they never arrive, the jog's lease runs out and the controller stops the axis (hold-to-run.js).
window.addEventListener('pagehide', () => axes.stopAllJogs({ keepalive: true }));

let lastDrawMs = 0;
function frame(nowMs) {
  if (nowMs - lastDrawMs >= DRAW_PERIOD_MS && !byId('app').hidden) {
    lastDrawMs = nowMs;
    axes.draw(performance.now());
    line.tick(performance.now());
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

role = '';
applyRole('viewer');
if (key) signIn(key);
else {
  byId('login').hidden = false;
  byId('api-key').focus();
}
