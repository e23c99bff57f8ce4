/**
 * Live messaging dashboard. Plain ES module, no build step, no innerHTML (the page runs
 * under a strict CSP with Trusted Types).
 *
 * - The API key is asked for once, kept in sessionStorage, and sent only in the graphql-ws
 *   connection_init payload and the Authorization header of the metrics query.
 * - deliveryEvents and fallbackEvents stream live. If the socket drops, the page reconnects
 *   with backoff and resubscribes with `after` = the last event id it received of that kind,
 *   so the hub replays what was missed; events are also de-duplicated by id.
 * - On opening, the page asks for the newest event id now and for the newest one an hour ago,
 *   and subscribes after the latter: the hub replays the last hour, then live events follow.
 *   Counters, breakdowns and the feed count events since the page opened (ids after the
 *   newest at opening); the "Last hour" panel and the per-minute chart count every event
 *   that occurred in the rolling last 60 minutes, from the same stream.
 * - Every 15 seconds the page asks for providerHealth and names any provider whose circuit
 *   is open (its attempts go to the next provider in the list until its trial call).
 * - A fallback is a message moving from one channel to another because the first could not
 *   deliver it. A time-critical message skips the NHS App by design: it is shown as sent
 *   straight to SMS and is not counted as a fallback.
 */
import { createClient } from '/dashboard?asset=graphql-ws/client.js';

const KEY_STORAGE = 'nhs-hub-dashboard.api-key';
const FEED_LIMIT = 200;
const CHART_MINUTES = 60;
/** Minutes per chart bar, tried in order until bars are at least MIN_SLOT_PX apart. */
const BAR_MINUTES = [1, 2, 5, 10];
const MIN_SLOT_PX = 10;
const MINUTE = 60_000;
const MAX_BACKOFF_MS = 30_000;
const STABLE_AFTER_MS = 10_000;
const PONG_TIMEOUT_MS = 10_000;
const SEEN_LIMIT = 20_000;
const TIME_ZONE = 'Europe/London';

const DELIVERY_SUBSCRIPTION = `subscription DashboardDeliveryEvents($after: ID) {
  deliveryEvents(after: $after) { id type messageId channel category organisationOdsCode occurredAt }
}`;
const FALLBACK_SUBSCRIPTION = `subscription DashboardFallbackEvents($after: ID) {
  fallbackEvents(after: $after) { id messageId fromChannel toChannel reason category organisationOdsCode occurredAt }
}`;
const STARTING_POINT_QUERY = `query DashboardStartingPoint($hourAgo: DateTime!) {
  newest: latestEventId
  hourAgo: latestEventId(before: $hourAgo)
}`;
const PROVIDER_HEALTH_QUERY = `query DashboardProviderHealth {
  providerHealth { channel provider state recentCalls recentFailureRate }
}`;
const HOUR = 60 * 60_000;
const REFRESH_EVERY_MS = 15_000;

const STATUSES = ['QUEUED', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'CANCELLED'];
const CHANNELS = ['NHS_APP', 'SMS', 'EMAIL', 'LETTER'];
const CATEGORIES = ['NHS_APP_MESSAGING', 'IM1_PFS', 'ONLINE_CONSULTATION', 'PHR'];
const CHANNEL_COLUMNS = ['SENT', 'DELIVERED', 'READ', 'FAILED', 'FALLBACK_IN'];
const CATEGORY_COLUMNS = ['QUEUED', 'DELIVERED', 'READ', 'FAILED', 'FALLBACK'];
const SERIES = [
  { key: 'delivered', label: 'Delivered' },
  { key: 'read', label: 'Read' },
  { key: 'failed', label: 'Failed' },
  { key: 'fallback', label: 'Fallbacks' },
];

const CHANNEL_NAMES = { NHS_APP: 'NHS App', SMS: 'SMS', EMAIL: 'Email', LETTER: 'Letter' };
const CATEGORY_NAMES = {
  NHS_APP_MESSAGING: 'NHS App messaging',
  IM1_PFS: 'GP surgery (IM1)',
  ONLINE_CONSULTATION: 'Online consultation',
  PHR: 'Health record (PHR)',
};
const STATUS_NAMES = { QUEUED: 'Queued', SENT: 'Sent', DELIVERED: 'Delivered', READ: 'Read', FAILED: 'Failed', CANCELLED: 'Cancelled' };
const REASON_NAMES = {
  CHANNEL_OPTED_OUT: 'opted out of channel',
  DELIVERY_TIMEOUT: 'delivery timed out',
  INVALID_CONTACT_DETAILS: 'invalid contact details',
  NOT_NHS_APP_USER: 'not an NHS App user',
  NO_CONTACT_DETAILS: 'no contact details',
  PROVIDER_ERROR: 'provider error',
  PROVIDER_REJECTED: 'provider rejected',
  RECIPIENT_INELIGIBLE: 'recipient ineligible',
  TIME_CRITICAL: 'time critical',
  UNNOTIFIED: 'not notified',
  UNREAD_TIMEOUT: 'unread in time',
  EXPIRED: 'expired',
};

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: TIME_ZONE });
const minuteFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: TIME_ZONE });
const numberFormat = new Intl.NumberFormat('en-GB');

const $ = (id) => document.getElementById(id);
const channelName = (channel) => (channel ? CHANNEL_NAMES[channel] ?? channel : '—');
const categoryName = (category) => CATEGORY_NAMES[category] ?? category;
const reasonName = (reason) => REASON_NAMES[reason] ?? String(reason).toLowerCase().replace(/_/g, ' ');

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'className') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/* ------------------------------------------------------------------ key */

function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

function storeKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

function clearKey() {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage unavailable: nothing kept */
  }
}

/* ---------------------------------------------------------------- state */

function emptyState() {
  return {
    openedAt: null,
    statuses: Object.fromEntries([...STATUSES, 'FALLBACK'].map((s) => [s, 0])),
    byChannel: new Map(),
    byCategory: new Map(),
    /** minute start (ms) → { delivered, read, failed, fallback } */
    minutes: new Map(),
    seen: new Set(),
    lastId: { DELIVERY: null, FALLBACK: null },
    lowestId: null,
    /** The newest stored event when the page opened: later ones are "since the page opened". */
    startAfter: null,
    /** The newest stored event that occurred before the last hour: where the replay starts. */
    replayFrom: null,
    /** Events of the rolling last hour: { kind, type, occurredAt (ms) }, oldest first. */
    recent: [],
    feedCount: 0,
  };
}

let state = emptyState();
let connection = null;
let reconnectTimer = null;
let stableTimer = null;
let pongTimer = null;
let attempt = 0;
let reconnects = 0;
let renderQueued = false;

function bigger(a, b) {
  if (a === null) return b;
  return BigInt(b) > BigInt(a) ? b : a;
}

function smaller(a, b) {
  if (a === null) return b;
  return BigInt(b) < BigInt(a) ? b : a;
}

/**
 * Where a resubscription starts: after the last event of this kind; or, if none of this kind
 * has arrived yet, just before the first event of any kind this page saw (ids are shared
 * across kinds and increase). With nothing received at all there is nothing to resume from.
 */
function resumeAfter(kind) {
  if (state.lastId[kind] !== null) return state.lastId[kind];
  if (state.lowestId !== null) return String(BigInt(state.lowestId) - 1n);
  return state.replayFrom ?? state.startAfter;
}

/** A message sent straight to SMS because it is time-critical: by design, not a fallback. */
function isTimeCritical(kind, event) {
  return kind === 'FALLBACK' && event.reason === 'TIME_CRITICAL';
}

function sincePageOpened(id) {
  return state.startAfter === null || BigInt(id) > BigInt(state.startAfter);
}

/** What a last-hour figure counts: QUEUED (a message sent), DELIVERED, READ, FAILED or FALLBACK. */
function remember(kind, event) {
  const at = new Date(event.occurredAt).getTime();
  if (!Number.isFinite(at) || at < Date.now() - HOUR) return;
  const type = kind === 'FALLBACK' ? 'FALLBACK' : event.type;
  state.recent.push({ type, at });
  if (state.recent.length > 1 && at < state.recent[state.recent.length - 2].at) state.recent.sort((a, b) => a.at - b.at);
}

function bump(map, key, column) {
  const row = map.get(key) ?? {};
  row[column] = (row[column] ?? 0) + 1;
  map.set(key, row);
}

function countMinute(occurredAt, series) {
  const now = Date.now();
  const at = Math.min(new Date(occurredAt).getTime(), now);
  if (!Number.isFinite(at) || at < now - CHART_MINUTES * MINUTE) return;
  const minute = Math.floor(at / MINUTE) * MINUTE;
  const bucket = state.minutes.get(minute) ?? { delivered: 0, read: 0, failed: 0, fallback: 0 };
  bucket[series] += 1;
  state.minutes.set(minute, bucket);
}

function receive(kind, event) {
  if (!event || event.id === undefined || event.id === null) return;
  const id = String(event.id);
  const seenKey = `${kind}:${id}`;
  if (state.seen.has(seenKey)) return;
  state.seen.add(seenKey);
  if (state.seen.size > SEEN_LIMIT) state.seen.delete(state.seen.values().next().value);
  state.lastId[kind] = bigger(state.lastId[kind], id);
  state.lowestId = smaller(state.lowestId, id);

  const timeCritical = isTimeCritical(kind, event);
  if (!timeCritical) {
    remember(kind, event);
    if (kind === 'DELIVERY') {
      if (event.type === 'DELIVERED') countMinute(event.occurredAt, 'delivered');
      else if (event.type === 'READ') countMinute(event.occurredAt, 'read');
      else if (event.type === 'FAILED') countMinute(event.occurredAt, 'failed');
    } else {
      countMinute(event.occurredAt, 'fallback');
    }
  }
  if (!sincePageOpened(id)) {
    scheduleRender();
    return;
  }
  if (timeCritical) {
    // Shown in the feed, counted nowhere: the SENT and DELIVERED events of its SMS attempt count.
  } else if (kind === 'DELIVERY') {
    state.statuses[event.type] = (state.statuses[event.type] ?? 0) + 1;
    if (event.channel && CHANNEL_COLUMNS.includes(event.type)) bump(state.byChannel, event.channel, event.type);
    if (CATEGORY_COLUMNS.includes(event.type)) bump(state.byCategory, event.category, event.type);
  } else {
    state.statuses.FALLBACK += 1;
    bump(state.byChannel, event.toChannel, 'FALLBACK_IN');
    bump(state.byCategory, event.category, 'FALLBACK');
  }
  addFeedRow(kind, id, event);
  scheduleRender();
}

/* ----------------------------------------------------------------- feed */

function addFeedRow(kind, id, event) {
  const body = $('feed').tBodies[0];
  const occurred = new Date(event.occurredAt);
  const what =
    kind === 'DELIVERY'
      ? el('span', { className: `event event--${event.type}` }, STATUS_NAMES[event.type] ?? event.type)
      : isTimeCritical(kind, event)
      ? el('span', { className: 'event event--TIME_CRITICAL' }, `Straight to ${channelName(event.toChannel)} `, el('span', { className: 'event__reason' }, '(time critical)'))
      : el(
          'span',
          { className: 'event event--FALLBACK' },
          'Fallback ',
          el('span', { className: 'event__route' }, `${channelName(event.fromChannel)} → ${channelName(event.toChannel)}`),
          el('span', { className: 'event__reason' }, `(${reasonName(event.reason)})`),
        );
  const channel = kind === 'DELIVERY' ? channelName(event.channel) : channelName(event.toChannel);
  const row = el(
    'tr',
    { 'data-event': `${kind}:${id}`, 'data-message-id': event.messageId, 'data-kind': kind },
    el('td', {}, el('time', { datetime: occurred.toISOString() }, timeFormat.format(occurred))),
    el('td', {}, what),
    el('td', {}, channel),
    el('td', {}, categoryName(event.category)),
    el('td', {}, event.organisationOdsCode),
    el('td', {}, el('code', { title: event.messageId }, shortId(event.messageId))),
  );
  body.insertBefore(row, body.firstChild);
  while (body.rows.length > FEED_LIMIT) body.deleteRow(body.rows.length - 1);
  $('feed-empty').hidden = true;
}

/** Ids are time-ordered: their start is the same for every message of a minute, their end tells them apart. */
function shortId(id) {
  const text = String(id);
  return text.length > 13 ? `…${text.slice(-8)}` : text;
}

/* --------------------------------------------------------------- render */

function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderCounters();
    renderTables();
    renderChart();
    renderLastHour();
  });
}

function setNumber(node, value) {
  const text = numberFormat.format(value);
  node.textContent = text;
  node.toggleAttribute('data-zero', value === 0);
  node.toggleAttribute('data-long', text.length > 4);
}

function renderCounters() {
  for (const node of document.querySelectorAll('[data-count]')) setNumber(node, state.statuses[node.dataset.count] ?? 0);
}

function renderTable(table, keys, map, columns, name) {
  const body = table.tBodies[0];
  const all = [...keys, ...[...map.keys()].filter((k) => !keys.includes(k))];
  const rows = all.map((key) => {
    const counts = map.get(key) ?? {};
    const cells = columns.map((column) => {
      const cell = el('td', { 'data-column': column });
      setNumber(cell, counts[column] ?? 0);
      return cell;
    });
    return el('tr', { 'data-key': key }, el('th', { scope: 'row' }, name(key)), ...cells);
  });
  body.replaceChildren(...rows);
}

function renderTables() {
  renderTable($('by-channel'), CHANNELS, state.byChannel, CHANNEL_COLUMNS, channelName);
  renderTable($('by-category'), CATEGORIES, state.byCategory, CATEGORY_COLUMNS, categoryName);
}

function niceStep(max) {
  const raw = Math.max(1, max / 4);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return Math.max(1, nice * power);
}

/** Stacked bars per minute, drawn at the container's own pixel size so text stays crisp. */
function renderChart() {
  const container = $('chart');
  const width = Math.max(320, Math.round(container.clientWidth || 800));
  const height = Math.max(180, Math.round(container.clientHeight || 260));
  const left = 40;
  const right = 12;
  const top = 10;
  const bottom = 28;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const nowMinute = Math.floor(Date.now() / MINUTE) * MINUTE;
  const firstMinute = nowMinute - (CHART_MINUTES - 1) * MINUTE;
  for (const minute of state.minutes.keys()) if (minute < firstMinute) state.minutes.delete(minute);

  const minutes = [];
  for (let i = 0; i < CHART_MINUTES; i += 1) minutes.push(state.minutes.get(firstMinute + i * MINUTE) ?? { delivered: 0, read: 0, failed: 0, fallback: 0 });
  const totals = Object.fromEntries(SERIES.map(({ key }) => [key, minutes.reduce((sum, b) => sum + b[key], 0)]));
  // One bar per minute where there is room for bars at least MIN_SLOT_PX apart, else per 2, 5 or 10 minutes.
  const perBar = BAR_MINUTES.find((m) => plotWidth / (CHART_MINUTES / m + 1) >= MIN_SLOT_PX) ?? BAR_MINUTES[BAR_MINUTES.length - 1];
  const firstBar = Math.floor(firstMinute / (perBar * MINUTE));
  const barCount = Math.floor(nowMinute / (perBar * MINUTE)) - firstBar + 1;
  const buckets = Array.from({ length: barCount }, () => ({ delivered: 0, read: 0, failed: 0, fallback: 0 }));
  minutes.forEach((counts, i) => {
    const bar = Math.floor((firstMinute + i * MINUTE) / (perBar * MINUTE)) - firstBar;
    for (const { key } of SERIES) buckets[bar][key] += counts[key];
  });
  $('chart-heading').textContent = perBar === 1 ? 'Per minute, last 60 minutes' : `Per ${perBar} minutes, last 60 minutes`;
  const barStart = (i) => (firstBar + i) * perBar * MINUTE;
  const stackHeights = buckets.map((b) => SERIES.reduce((sum, { key }) => sum + b[key], 0));
  const peak = Math.max(0, ...stackHeights);
  const step = niceStep(peak);
  const yMax = Math.max(step * 4, Math.ceil(peak / step) * step);
  const slot = plotWidth / barCount;
  const barWidth = Math.max(2, slot * 0.74);
  const x = (i) => left + i * slot + (slot - barWidth) / 2;
  const y = (value) => top + plotHeight - (value / yMax) * plotHeight;

  const grid = svg('g', { class: 'grid' });
  const axis = svg('g', { class: 'axis' });
  for (let value = 0; value <= yMax; value += step) {
    grid.append(svg('line', { x1: left, x2: width - right, y1: y(value), y2: y(value) }));
    axis.append(svg('text', { x: left - 8, y: y(value), dy: '0.35em', 'text-anchor': 'end' }, numberFormat.format(value)));
  }
  for (let i = 0; i < barCount; i += 1) {
    const minute = new Date(barStart(i));
    if (minute.getUTCMinutes() % 10 !== 0 || minute.getTime() < firstMinute) continue;
    const centre = left + (i + 0.5) * slot;
    const anchor = centre + 24 > width ? 'end' : 'middle';
    grid.append(svg('line', { class: 'tick', x1: centre, x2: centre, y1: top + plotHeight, y2: top + plotHeight + 5 }));
    axis.append(svg('text', { x: anchor === 'end' ? width - 2 : centre, y: height - 6, 'text-anchor': anchor }, minuteFormat.format(minute)));
  }

  const bars = svg('g', { class: 'bars' });
  buckets.forEach((bucket, i) => {
    let base = 0;
    for (const { key } of SERIES) {
      if (!bucket[key]) continue;
      const y0 = y(base);
      const y1 = y(base + bucket[key]);
      bars.append(svg('rect', { class: `bar bar--${key}`, x: x(i).toFixed(1), y: y1.toFixed(1), width: barWidth.toFixed(1), height: Math.max(1, y0 - y1).toFixed(1) }));
      base += bucket[key];
    }
  });
  const baseline = svg('line', { class: 'baseline', x1: left, x2: width - right, y1: y(0), y2: y(0) });

  const summary = `Over the last 60 minutes: ${SERIES.map(({ key, label }) => `${label.toLowerCase()} ${totals[key]}`).join(', ')}.`;
  const chart = svg(
    'svg',
    { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-svg-title chart-svg-desc' },
    svg('title', { id: 'chart-svg-title' }, 'Delivered, read, failed and fallback events per minute'),
    svg('desc', { id: 'chart-svg-desc' }, summary),
    grid,
    bars,
    baseline,
    axis,
  );
  for (const { key } of SERIES) chart.dataset[key] = String(totals[key]);
  container.replaceChildren(chart);
}

function renderClock() {
  $('clock').textContent = minuteFormat.format(new Date());
}

/* ----------------------------------------------------------- connection */

function setConnection(stateName, text) {
  const node = $('connection');
  node.dataset.state = stateName;
  node.dataset.reconnects = String(reconnects);
  $('connection-text').textContent = text;
}

function wsUrl() {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.href;
}

function isCloseEvent(value) {
  return value !== null && typeof value === 'object' && typeof value.code === 'number' && 'reason' in value;
}

/** GraphQL errors with one of these codes mean the key cannot be used: ask for another. */
function authProblem(errors) {
  if (!Array.isArray(errors)) return null;
  const codes = errors.map((e) => e?.extensions?.code);
  if (codes.includes('UNAUTHENTICATED')) return 'That API key was not accepted. It may be mistyped or revoked.';
  // FORBIDDEN as over HTTP; type-graphql's own refusal says UNAUTHORIZED.
  if (codes.includes('FORBIDDEN') || codes.includes('UNAUTHORIZED')) return 'That API key cannot watch events: use a DASHBOARD or ADMIN key.';
  return null;
}

function connect() {
  const key = storedKey();
  if (!key) return showKeyForm();
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  setConnection(reconnects === 0 && attempt === 0 ? 'connecting' : 'reconnecting', attempt === 0 ? 'Connecting…' : `Reconnecting (attempt ${attempt})…`);

  const current = createClient({
    url: wsUrl(),
    connectionParams: { authorization: key },
    lazy: false,
    retryAttempts: 0,
    keepAlive: 15_000,
    connectionAckWaitTimeout: 10_000,
    onNonLazyError: () => {},
    on: {
      connected: () => {
        if (connection !== current) return;
        if (attempt > 0) reconnects += 1;
        setConnection('live', reconnects ? `Live · reconnected ${reconnects}×` : 'Live');
        clearTimeout(stableTimer);
        stableTimer = setTimeout(() => {
          attempt = 0;
        }, STABLE_AFTER_MS);
      },
      ping: (received) => {
        if (received || connection !== current) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => current.terminate(), PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      closed: (event) => lost(current, event),
    },
  });
  connection = current;
  subscribe(current, 'DELIVERY', DELIVERY_SUBSCRIPTION, 'deliveryEvents');
  subscribe(current, 'FALLBACK', FALLBACK_SUBSCRIPTION, 'fallbackEvents');
}

function subscribe(client, kind, query, field) {
  client.subscribe(
    { query, variables: { after: resumeAfter(kind) } },
    {
      next: (result) => {
        if (connection !== client) return;
        if (result.errors?.length) return failed(client, result.errors);
        receive(kind, result.data?.[field]);
      },
      error: (error) => failed(client, error),
      // The hub never ends these streams on its own; an end means the socket went.
      complete: () => lost(client, null),
    },
  );
}

function failed(client, errorOrEvent) {
  if (connection !== client) return;
  const problem = authProblem(errorOrEvent);
  if (problem) return signOut(problem);
  lost(client, isCloseEvent(errorOrEvent) ? errorOrEvent : null);
}

/** The socket closed or a subscription ended: reconnect later, unless the key was refused. */
function lost(client, event) {
  if (connection !== client) return;
  connection = null;
  clearTimeout(stableTimer);
  clearTimeout(pongTimer);
  dispose(client);
  if (event && (event.code === 4401 || event.code === 4403)) {
    return signOut('That API key was not accepted. It may be mistyped, revoked, or not a DASHBOARD or ADMIN key.');
  }
  const delay = Math.round(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() * 0.5));
  attempt += 1;
  setConnection('reconnecting', `Connection lost · reconnecting in ${Math.max(1, Math.round(delay / 1000))} s`);
  reconnectTimer = setTimeout(connect, delay);
}

/** graphql-ws may reject while closing a socket the hub refused; there is nothing left to do then. */
function dispose(client) {
  Promise.resolve()
    .then(() => client.dispose())
    .catch(() => {});
}

function disconnect() {
  clearTimeout(reconnectTimer);
  clearTimeout(stableTimer);
  clearTimeout(pongTimer);
  reconnectTimer = null;
  const current = connection;
  connection = null;
  if (current) dispose(current);
}

/* ------------------------------------------------------ last-hour figures */

/** The rolling last 60 minutes, from the same events as the tiles. */
function renderLastHour() {
  const since = Date.now() - HOUR;
  while (state.recent.length && state.recent[0].at < since) state.recent.shift();
  const counts = { QUEUED: 0, DELIVERED: 0, READ: 0, FAILED: 0, FALLBACK: 0 };
  for (const { type } of state.recent) if (type in counts) counts[type] += 1;
  const figures = { messages: counts.QUEUED, delivered: counts.DELIVERED, read: counts.READ, failed: counts.FAILED, fallbacks: counts.FALLBACK };
  for (const node of document.querySelectorAll('[data-hour]')) setNumber(node, figures[node.dataset.hour] ?? 0);
  $('hour-delivery-rate').textContent = figures.messages ? `${Math.min(100, Math.round((figures.delivered / figures.messages) * 100))}%` : '–';
  $('hour-note').textContent = `Events since ${minuteFormat.format(new Date(since))}, the last 60 minutes`;
}

/** Where the stream starts: the newest event now, and the newest before the last hour. Null when the key was refused. */
async function loadStartingPoint(key) {
  const status = $('hour-status');
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: STARTING_POINT_QUERY, variables: { hourAgo: new Date(Date.now() - HOUR).toISOString() } }),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    const result = await response.json().catch(() => ({}));
    if (response.status === 401) return { refused: 'That API key was not accepted. It may be mistyped or revoked.' };
    const problem = authProblem(result.errors);
    if (problem) return { refused: problem };
    if (!response.ok || result.errors?.length || result.data?.newest == null) {
      status.textContent = `Could not load the last hour (${result.errors?.[0]?.message ?? `HTTP ${response.status}`}); showing events from now on.`;
      return { newest: null, hourAgo: null };
    }
    status.textContent = '';
    return { newest: String(result.data.newest), hourAgo: String(result.data.hourAgo) };
  } catch {
    status.textContent = 'Could not reach the hub for the last hour; showing events from now on.';
    return { newest: null, hourAgo: null };
  }
}

/** Shows every provider whose circuit is open (or on its trial call); hides the alert when none is. */
async function loadProviderHealth(key) {
  try {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: PROVIDER_HEALTH_QUERY }),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    const result = await response.json().catch(() => ({}));
    if (!response.ok || !Array.isArray(result.data?.providerHealth)) return;
    const troubled = result.data.providerHealth.filter((row) => row.state !== 'CLOSED');
    const items = troubled.map((row) => {
      const item = document.createElement('li');
      const state = row.state === 'OPEN' ? 'circuit open, skipped' : 'trial call (half open)';
      item.textContent = `${CHANNEL_NAMES[row.channel] ?? row.channel}: ${row.provider} — ${state}; ${Math.round(row.recentFailureRate * 100)}% of ${row.recentCalls} recent calls failed`;
      return item;
    });
    $('provider-alert-list').replaceChildren(...items);
    $('provider-alert').hidden = items.length === 0;
  } catch {
    // The next refresh tries again; the alert keeps what it last knew.
  }
}

/* ------------------------------------------------------------ page flow */

function resetBoard() {
  state = emptyState();
  $('feed').tBodies[0].replaceChildren();
  $('feed-empty').hidden = false;
  $('provider-alert').hidden = true;
  for (const node of document.querySelectorAll('[data-hour]')) node.textContent = '–';
  $('hour-delivery-rate').textContent = '–';
  $('hour-status').textContent = '';
  renderCounters();
  renderTables();
  renderChart();
}

function showKeyForm(message) {
  $('board').hidden = true;
  $('forget-key').hidden = true;
  $('key-panel').hidden = false;
  const error = $('key-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  setConnection('signed-out', 'Not connected');
  const input = $('api-key');
  input.value = '';
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
  input.focus();
}

function signOut(message) {
  disconnect();
  clearKey();
  attempt = 0;
  reconnects = 0;
  resetBoard();
  showKeyForm(message);
}

async function start() {
  const key = storedKey();
  if (!key) return showKeyForm();
  $('key-panel').hidden = true;
  $('board').hidden = false;
  $('forget-key').hidden = false;
  setConnection('connecting', 'Connecting…');
  state.openedAt = new Date();
  const opened = $('opened-at');
  opened.dateTime = state.openedAt.toISOString();
  opened.textContent = minuteFormat.format(state.openedAt);
  renderCounters();
  renderTables();
  renderChart();
  renderLastHour();
  const point = await loadStartingPoint(key);
  if (storedKey() !== key) return;
  if (point.refused) return signOut(point.refused);
  state.startAfter = point.newest;
  state.replayFrom = point.hourAgo;
  connect();
  void loadProviderHealth(key);
}

function init() {
  $('feed-limit').textContent = String(FEED_LIMIT);
  if ('ResizeObserver' in window) new ResizeObserver(() => scheduleRender()).observe($('chart'));
  renderClock();
  setInterval(() => {
    renderClock();
    if (!$('board').hidden) {
      scheduleRender();
      const key = storedKey();
      if (key) void loadProviderHealth(key);
    }
  }, REFRESH_EVERY_MS);

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('api-key');
    const key = input.value.trim().replace(/^Bearer\s+/i, '');
    input.value = '';
    if (!key) {
      showKeyForm('Enter an API key.');
      return;
    }
    storeKey(key);
    void start().catch(() => signOut('The dashboard could not start; enter the key again.'));
  });

  $('forget-key').addEventListener('click', () => signOut(null));

  window.addEventListener('online', () => {
    if (reconnectTimer) {
      attempt = 0;
      connect();
    }
  });

  if (storedKey()) void start().catch(() => signOut('The dashboard could not start; enter the key again.'));
  else showKeyForm();
}

init();
