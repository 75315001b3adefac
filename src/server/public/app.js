// aupipe dashboard: streams (HTTP), live messages (WebSocket /ws), redrawn a few times a second.
import { AU_LABELS, clock, EMOTION_COLORS, el, emotionColor, sparkline } from './charts.js';

const $ = (id) => document.getElementById(id);
// The token comes the documented way, `/?token=…` (docs/api.md): kept in this tab's sessionStorage, taken out
// of the address bar (so it is not left in history or shared with a screenshot), sent as a Bearer header
// on HTTP and as ?token= on the WebSocket (browsers cannot set WebSocket headers).
const TOKEN = (() => {
  const url = new URL(location.href);
  const given = url.searchParams.get('token');
  if (given) {
    sessionStorage.setItem('aupipe.token', given);
    url.searchParams.delete('token');
    history.replaceState(null, '', url);
  }
  return given ?? sessionStorage.getItem('aupipe.token');
})();
const api = (p) => fetch(p, TOKEN ? { headers: { authorization: `Bearer ${TOKEN}` } } : {});
const TIMELINE_MS = 120_000;
const TREND_MS = 300_000;
// `?stream=<id>` opens that stream (the teacher's view links its students here).
const state = {
  streams: new Map(),
  selected: new URLSearchParams(location.search).get('stream'),
  per: new Map(),
  events: [],
  filter: '*',
  dirty: true,
  ws: null,
};

function per(id) {
  if (!state.per.has(id))
    state.per.set(id, { faces: new Map(), engagement: [], segments: new Map(), maxPts: 0 });
  return state.per.get(id);
}

function face(p, trackId) {
  if (!p.faces.has(trackId)) p.faces.set(trackId, { au: null, emotion: null, engagement: null });
  return p.faces.get(trackId);
}

// Each entry carries its message's own time: status messages their wall-clock `atMs`, face and emotion
// events their stream time (they have no wall clock), so a replay after a reload shows when things
// happened, not when the page loaded. The log is kept newest first, ordered by arrival.
function stampOf(m) {
  if (typeof m.atMs === 'number')
    return {
      at: new Date(m.atMs).toLocaleTimeString([], {
        hourCycle: 'h23',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }),
      title: new Date(m.atMs).toISOString(),
    };
  const pts = m.ptsMs ?? (m.phase === 'end' ? m.endMs : m.startMs);
  return typeof pts === 'number' ? { at: `▶ ${clock(pts)}`, title: 'stream time' } : { at: '', title: '' };
}

function logEvent(text, m, kind) {
  state.events.unshift({ ...stampOf(m), text, streamId: m.streamId, kind });
  state.events.length = Math.min(state.events.length, 500);
}

// A reconnect replays recent messages: remember what was handled so nothing is counted twice.
const handled = new Set();
function seenBefore(m) {
  if (m.type === 'au' || m.type === 'au_summary' || m.type === 'engagement') return false;
  const key = `${m.type}|${m.streamId}|${m.id ?? m.trackId}|${m.phase ?? m.state}|${m.ptsMs ?? m.atMs ?? m.endMs ?? m.confidence}`;
  if (handled.has(key)) return true;
  if (handled.size > 20_000) handled.clear();
  handled.add(key);
  return false;
}

function onMessage(m) {
  if (!m.streamId || seenBefore(m)) return;
  const p = per(m.streamId);
  const pts = m.ptsMs ?? m.endMs ?? m.startMs ?? m.toMs;
  if (typeof pts === 'number' && pts > p.maxPts) p.maxPts = pts;
  switch (m.type) {
    case 'au':
      face(p, m.trackId).au = m.au;
      break;
    case 'track':
      if (m.phase === 'start') {
        face(p, m.trackId);
        logEvent(`Face #${m.trackId} appeared`, m, 'track');
      } else {
        p.faces.delete(m.trackId);
        logEvent(`Face #${m.trackId} left`, m, 'track');
      }
      break;
    case 'emotion': {
      const segs = p.segments.get(m.trackId) ?? [];
      p.segments.set(m.trackId, segs);
      let seg = segs.find((s) => s.id === m.id);
      if (!seg) {
        seg = { id: m.id, emotion: m.emotion, start: m.startMs, end: null };
        segs.push(seg);
        if (segs.length > 100) segs.shift();
      }
      if (m.phase === 'end') {
        seg.end = m.endMs ?? p.maxPts;
        if (p.faces.has(m.trackId)) face(p, m.trackId).emotion = null;
        logEvent(
          `Face #${m.trackId}: ${m.emotion} ended (${((seg.end - seg.start) / 1000).toFixed(1)} s)`,
          m,
          'emotion',
        );
      } else {
        face(p, m.trackId).emotion = { name: m.emotion, confidence: m.confidence };
        if (m.phase === 'start')
          logEvent(`Face #${m.trackId}: ${m.emotion} (${Math.round(m.confidence * 100)}%)`, m, 'emotion');
      }
      break;
    }
    case 'engagement':
      if (m.trackId === null) {
        p.engagement.push({ t: m.ptsMs, v: m.score });
        while (p.engagement.length && p.engagement[0].t < m.ptsMs - TREND_MS) p.engagement.shift();
      } else if (p.faces.has(m.trackId)) face(p, m.trackId).engagement = m.score;
      break;
    case 'status': {
      const s = state.streams.get(m.streamId);
      if (s) Object.assign(s, { state: m.state, detail: m.detail, code: m.code });
      logEvent(
        `Stream ${m.state}${m.code ? ` (${m.code})` : ''}${m.detail ? `: ${m.detail}` : ''}`,
        m,
        m.state === 'failed' ? 'failed' : 'status',
      );
      if (m.state === 'ended' || m.state === 'failed') p.faces.clear();
      break;
    }
  }
  state.dirty = true;
}

// ---- WebSocket with automatic reconnect -------------------------------------------------------
function connect(delay = 1000) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${TOKEN ? `?token=${encodeURIComponent(TOKEN)}` : ''}`;
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onopen = () => {
    delay = 1000;
    setConn(true);
    ws.send(
      JSON.stringify({
        op: 'subscribe',
        streams: ['*'],
        channels: ['emotion', 'engagement', 'status', 'track', 'au'],
      }),
    );
  };
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onclose = (ev) => {
    setConn(false, ev.code === 4401 ? 'token required: open the page with /?token=…' : null);
    setTimeout(() => connect(Math.min(delay * 2, 10_000)), delay);
  };
}

function setConn(ok, why) {
  const c = $('conn');
  c.className = `conn ${ok ? 'conn-ok' : 'conn-wait'}`;
  c.textContent = ok ? 'live' : (why ?? 'reconnecting…');
}

async function pollStreams() {
  try {
    const r = await api('/api/streams');
    if (r.status === 401 || r.status === 403) setConn(false, 'token required: open the page with /?token=…');
    const { streams } = await r.json();
    // browser clients (the student page, /ingest) are streams too: their pipeline runs on the student's device
    const b = await api('/api/ingest/clients').catch(() => null);
    const clients = b?.ok ? (await b.json()).clients : [];
    for (const c of clients) {
      streams.push({
        id: c.streamId,
        kind: 'browser',
        source: `browser client${c.room ? `, room ${c.room}` : ''}`,
        state: 'live',
        fps: 0,
        activeTracks: c.activeTracks,
      });
    }
    state.streams = new Map(streams.map((s) => [s.id, s]));
    if (!state.selected || !state.streams.has(state.selected)) state.selected = streams[0]?.id ?? null;
    state.dirty = true;
  } catch {
    /* the server may be restarting; the next poll retries */
  }
  setTimeout(pollStreams, 2000);
}

// ---- rendering --------------------------------------------------------------------------------
function renderStreams() {
  const list = $('stream-list');
  list.replaceChildren(
    ...[...state.streams.values()].map((s) => {
      const li = el(
        'li',
        {
          class: `stream${s.id === state.selected ? ' selected' : ''}`,
          'data-stream-id': s.id,
          tabindex: '0',
        },
        el('div', { class: 'name', text: s.id, title: s.source }),
        el(
          'div',
          { class: 'facts' },
          el('span', { class: `pill st-${s.state}`, text: s.state }),
          el('span', { text: s.kind === 'browser' ? 'in browser' : `${s.fps.toFixed(1)} fps` }),
          el('span', { text: `${s.activeTracks.length} face${s.activeTracks.length === 1 ? '' : 's'}` }),
        ),
        // a failed (or retrying) camera says why, as the API does: code and message
        ...(s.code || (s.state === 'failed' && s.detail)
          ? [
              el('div', {
                class: 'why',
                'data-error-code': s.code ?? '',
                text: `${s.code ?? 'ERROR'}${s.detail ? `: ${s.detail}` : ''}`,
              }),
            ]
          : []),
      );
      li.onclick = () => {
        state.selected = s.id;
        state.dirty = true;
      };
      return li;
    }),
  );
  $('no-streams').hidden = state.streams.size > 0;
}

function renderFaces(p) {
  const box = $('faces');
  const ids = [...p.faces.keys()].sort((a, b) => a - b);
  $('no-faces').hidden = ids.length > 0;
  $('face-count').textContent = ids.length ? `(${ids.length} tracked)` : '';
  for (const card of [...box.children]) if (!p.faces.has(Number(card.dataset.trackId))) card.remove();
  for (const id of ids) {
    const f = p.faces.get(id);
    let card = box.querySelector(`[data-track-id="${id}"]`);
    if (!card) {
      const rows = Object.entries(AU_LABELS).flatMap(([k, label]) => [
        el('span', { class: 'lbl', text: `${k} ${label}`, title: `${k} ${label}` }),
        el('div', { class: 'bar', 'data-au': k }, el('span', { style: 'width:0%' })),
        el('span', { class: 'val', 'data-val': k, text: '–' }),
      ]);
      card = el(
        'div',
        { class: 'face', 'data-track-id': String(id) },
        el(
          'div',
          { class: 'face-head' },
          el('span', { class: 'id', text: `Face #${id}` }),
          el('span', { class: 'emo none', text: 'neutral' }),
        ),
        el('div', { class: 'aus' }, ...rows),
      );
      box.append(card);
    }
    const emo = card.querySelector('.emo');
    emo.textContent = f.emotion
      ? `${f.emotion.name} ${Math.round(f.emotion.confidence * 100)}%`
      : 'no emotion';
    emo.className = `emo${f.emotion ? '' : ' none'}`;
    emo.style.background = f.emotion ? emotionColor(f.emotion.name) : '';
    for (const k of Object.keys(AU_LABELS)) {
      const v = f.au?.[k];
      const bar = card.querySelector(`[data-au="${k}"]`);
      bar.firstChild.style.width = `${Math.round((v ?? 0) * 100)}%`;
      bar.classList.toggle('on', (v ?? 0) >= 0.5);
      card.querySelector(`[data-val="${k}"]`).textContent = v === undefined ? '–' : v.toFixed(2);
    }
  }
}

function renderTimeline(p) {
  // Zoom to the stream's length until it is longer than the window, so short clips stay readable.
  const span = Math.min(TIMELINE_MS, Math.max(30_000, p.maxPts * 1.1));
  const from = Math.max(0, p.maxPts - span);
  const lanes = [...p.segments.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([trackId, segs]) =>
      el(
        'div',
        { class: 'lane' },
        el('span', { class: 'who', text: `Face #${trackId}` }),
        el(
          'div',
          { class: 'track' },
          ...segs
            .filter((s) => (s.end ?? p.maxPts) > from)
            .map((s) => {
              const a = Math.max(s.start, from);
              const b = s.end ?? p.maxPts;
              return el('span', {
                class: 'seg',
                title: `${s.emotion} ${clock(s.start)}–${s.end ? clock(s.end) : 'now'}`,
                style: `left:${((a - from) / span) * 100}%;width:${Math.max(0.6, ((b - a) / span) * 100)}%;background:${emotionColor(s.emotion)}`,
              });
            }),
        ),
      ),
    );
  const axis = el(
    'div',
    { class: 'axis' },
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => el('span', { text: clock(from + f * span) })),
  );
  $('timeline').replaceChildren(
    ...(lanes.length ? lanes : [el('p', { class: 'hint', text: 'No emotion events yet.' })]),
    axis,
  );
}

function renderDetail() {
  const s = state.streams.get(state.selected);
  $('stream-title').textContent = s ? s.id : 'No stream selected';
  const meta = $('stream-meta');
  meta.textContent = s
    ? `${s.kind} · ${s.source.split('/').pop()} · ${s.frames} frames · ${s.emotionEvents} emotion events`
    : '';
  meta.title = s?.source ?? '';
  const p = per(state.selected ?? '');
  const last = p.engagement.at(-1);
  $('eng-now').textContent = last ? String(Math.round(last.v * 100)) : '–';
  const trendFrom = Math.max(0, p.maxPts - TREND_MS);
  sparkline($('eng-chart'), p.engagement, trendFrom, Math.max(p.maxPts, trendFrom + 60_000));
  renderFaces(p);
  renderTimeline(p);
}

function renderFilter() {
  const sel = $('event-filter');
  const ids = ['*', ...[...state.streams.keys()].sort()];
  if (state.filter !== '*' && !ids.includes(state.filter)) ids.push(state.filter);
  if ([...sel.options].map((o) => o.value).join('|') !== ids.join('|'))
    sel.replaceChildren(
      ...ids.map((id) => el('option', { value: id, text: id === '*' ? 'all streams' : id })),
    );
  sel.value = state.filter;
}

function renderEvents() {
  renderFilter();
  $('events').replaceChildren(
    ...state.events
      .filter((e) => state.filter === '*' || e.streamId === state.filter)
      .slice(0, 80)
      .map((e) =>
        el(
          'li',
          { class: `ev ev-${e.kind}`, 'data-stream-id': e.streamId },
          el('time', { text: e.at, title: e.title }),
          el(
            'div',
            { class: 'what' },
            el('b', { text: e.text }),
            el('div', { class: 'where', text: e.streamId }),
          ),
        ),
      ),
  );
}

function render() {
  if (state.dirty) {
    state.dirty = false;
    renderStreams();
    renderDetail();
    renderEvents();
  }
  setTimeout(() => requestAnimationFrame(render), 250);
}

$('legend').replaceChildren(
  ...Object.entries(EMOTION_COLORS).map(([k, c]) => el('span', {}, el('i', { style: `background:${c}` }), k)),
);
$('event-filter').onchange = (ev) => {
  state.filter = ev.target.value;
  state.dirty = true;
};
connect();
pollStreams();
render();
