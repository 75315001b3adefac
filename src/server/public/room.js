// aupipe teacher's view: one room's students (from its `room` aggregates over /ws) and its timeline with moments.
import { el, emotionColor } from './charts.js';

const $ = (id) => document.getElementById(id);
const q = new URLSearchParams(location.search);
const ROOM = q.get('id');
// The token as on the dashboard (docs/api.md): `?token=` once, then this tab's sessionStorage; a Bearer header on
// HTTP, ?token= on the WebSocket.
const TOKEN = (() => {
  const given = q.get('token');
  if (given) {
    sessionStorage.setItem('aupipe.token', given);
    const url = new URL(location.href);
    url.searchParams.delete('token');
    history.replaceState(null, '', url);
  }
  return given ?? sessionStorage.getItem('aupipe.token');
})();
const api = (p) => fetch(p, TOKEN ? { headers: { authorization: `Bearer ${TOKEN}` } } : {});
const SPAN_MS = 600_000;
const state = { room: null, streams: [], agg: null, series: [], moments: new Map(), dirty: true };
const pct = (x) => `${Math.round(x * 100)}%`;

function onMessage(m) {
  if (m.roomId !== ROOM) return;
  if (m.type === 'room') {
    state.agg = m;
    // engagement is unknown until a student has a score (the first comes after emotion.engagementIntervalMs)
    const scored = m.students.some((s) => s.engagement !== undefined);
    state.series.push({
      t: m.atMs,
      eng: scored ? m.engagementMean : null,
      conf: m.now.confused,
      n: m.present,
    });
    while (state.series.length && state.series[0].t < m.atMs - SPAN_MS) state.series.shift();
  } else if (m.type === 'room_moment') {
    state.moments.set(m.id, m);
  }
  state.dirty = true;
}

function connect(delay = 1000) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${TOKEN ? `?token=${encodeURIComponent(TOKEN)}` : ''}`;
  const ws = new WebSocket(url);
  ws.onopen = () => {
    delay = 1000;
    setConn(true);
    ws.send(
      JSON.stringify({ op: 'subscribe', streams: [`room:${ROOM}`], channels: ['room', 'room_moment'] }),
    );
  };
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onclose = () => {
    setConn(false);
    setTimeout(() => connect(Math.min(delay * 2, 10_000)), delay);
  };
}

function setConn(ok) {
  const c = $('conn');
  c.className = `conn ${ok ? 'conn-ok' : 'conn-wait'}`;
  c.textContent = ok ? 'live' : 'reconnecting…';
}

async function pollRoom() {
  try {
    const r = await api(`/api/rooms/${encodeURIComponent(ROOM)}`);
    if (r.status === 404) state.room = false;
    else {
      const room = await r.json();
      state.room = room;
      state.streams = room.streamInfo ?? [];
      if (!state.agg && room.aggregate) onMessage(room.aggregate);
    }
    state.dirty = true;
  } catch {
    /* the server may be restarting */
  }
  setTimeout(pollRoom, 2000);
}

/** What a student is doing now, in words and a colour class. */
function attention(s) {
  if (s.confused) return ['confused', 'st-conf'];
  if (s.attentive) return ['attentive', 'st-ok'];
  if (s.onScreen === false) return ['looking away', 'st-away'];
  return ['eyes closed', 'st-away'];
}

function renderHead() {
  const a = state.agg;
  $('room-title').textContent = state.room ? state.room.name : state.room === false ? 'Room not found' : ROOM;
  $('room-meta').textContent = state.room
    ? `room ${state.room.id} · ${state.room.streams.length} streams${a ? ` · window ${Math.round(a.windowMs / 1000)} s` : ''}`
    : '';
  $('no-room').hidden = state.room !== false;
  $('stat-present').textContent = a ? String(a.present) : '–';
  $('stat-attentive').textContent = a ? pct(a.attentive) : '–';
  $('stat-confused').textContent = a ? pct(a.confused) : '–';
  // no student has an engagement score yet (the first comes after emotion.engagementIntervalMs): unknown, not 0
  const scored = a?.students.some((s) => s.engagement !== undefined);
  $('stat-engagement').textContent = scored
    ? `${pct(a.engagementMean)} ±${Math.round(a.engagementSpread * 100)}`
    : '–';
}

function renderStudents() {
  const box = $('students');
  box.replaceChildren();
  const a = state.agg;
  const ids = state.room ? state.room.streams : [];
  let faces = 0;
  for (const id of ids) {
    const info = state.streams.find((s) => s.id === id);
    const kids = (a?.students ?? []).filter((s) => s.streamId === id);
    faces += kids.length;
    const card = el(
      'a',
      {
        class: 'student-stream',
        href: `/?stream=${encodeURIComponent(id)}${TOKEN ? `&token=${encodeURIComponent(TOKEN)}` : ''}`,
        'data-stream': id,
      },
      el('div', { class: 'sname', text: id }),
      el('div', {
        class: 'muted small',
        text: `${info?.kind === 'browser' ? 'browser · ' : ''}${info?.state ?? '…'} · ${kids.length} face${kids.length === 1 ? '' : 's'}`,
      }),
    );
    if (kids.length === 0) card.append(el('div', { class: 'student st-none', text: 'no face in view' }));
    for (const s of kids) {
      const [what, cls] = attention(s);
      const row = el(
        'div',
        { class: `student ${cls}`, 'data-student': `${id}/${s.trackId}` },
        el('span', { class: 'who', text: `#${s.trackId}` }),
        el('span', { class: 'state', text: what }),
        el('span', { class: 'eng', text: s.engagement === undefined ? 'eng –' : `eng ${pct(s.engagement)}` }),
      );
      if (s.emotion) {
        const e = el('span', { class: 'emo', text: s.emotion });
        e.style.background = emotionColor(s.emotion);
        row.append(e);
      }
      card.append(row);
    }
    box.append(card);
  }
  $('student-count').textContent = state.room ? `(${faces} in view, ${ids.length} streams)` : '';
}

function renderChart() {
  const svg = $('room-chart');
  const W = 900;
  const H = 160;
  const pts = state.series;
  const now = pts.length ? pts[pts.length - 1].t : Date.now();
  const from = pts.length ? Math.max(pts[0].t, now - SPAN_MS) : now - 60_000;
  const span = Math.max(now - from, 1);
  const x = (t) => ((t - from) / span) * W;
  const y = (v) => H - 10 - Math.max(0, Math.min(1, v)) * (H - 20);
  const parts = [0.25, 0.5, 0.75].map(
    (g) => `<line x1="0" x2="${W}" y1="${y(g)}" y2="${y(g)}" stroke="#e6ebf0"/>`,
  );
  for (const m of state.moments.values()) {
    const x0 = Math.max(0, x(m.startMs));
    const x1 = Math.min(W, x(m.endMs ?? now));
    if (x1 <= 0 || x0 >= W) continue;
    const color = m.kind === 'confused' ? '#d1495b' : '#b45309';
    parts.push(
      `<rect class="moment" x="${x0.toFixed(1)}" y="0" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${H}" fill="${color}" fill-opacity="0.13"/>`,
    );
  }
  // a series with gaps (null: not known yet) is drawn as separate runs
  const path = (k) => {
    let d = '';
    let pen = false;
    for (const p of pts) {
      if (p[k] === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p[k]).toFixed(1)} `;
      pen = true;
    }
    return d.trim() || 'M0,0';
  };
  if (pts.length >= 2) {
    parts.push(
      `<path d="${path('eng')}" fill="none" stroke="#0f766e" stroke-width="2.2" vector-effect="non-scaling-stroke"/>`,
    );
    parts.push(
      `<path d="${path('conf')}" fill="none" stroke="#d1495b" stroke-width="1.8" stroke-dasharray="5 3" vector-effect="non-scaling-stroke"/>`,
    );
  } else
    parts.push(
      `<text x="12" y="84" fill="#8a96a3" font-size="14">the timeline appears after a few updates</text>`,
    );
  svg.innerHTML = parts.join('');
  const list = $('moments');
  list.replaceChildren();
  const at = (ms) => new Date(ms).toLocaleTimeString([], { hourCycle: 'h23' });
  for (const m of [...state.moments.values()].sort((a, b) => b.startMs - a.startMs).slice(0, 8)) {
    const who = m.kind === 'confused' ? 'looked lost (confused)' : 'looked away';
    const text = `${at(m.startMs)}${m.endMs ? `–${at(m.endMs)}` : ' (now)'}: ${pct(m.peak)} of the class ${who}`;
    list.append(el('li', { class: `moment-item ${m.kind}`, text }));
  }
}

function frame() {
  if (state.dirty) {
    state.dirty = false;
    renderHead();
    renderStudents();
    renderChart();
  }
  setTimeout(() => requestAnimationFrame(frame), 250);
}

if (!ROOM) {
  // no room chosen: list them
  api('/api/rooms')
    .then((r) => r.json())
    .then(({ rooms }) => {
      $('room-title').textContent = 'Rooms';
      const box = $('students');
      for (const r of rooms)
        box.append(
          el(
            'a',
            { class: 'student-stream', href: `/room?id=${encodeURIComponent(r.id)}` },
            el('div', { class: 'sname', text: r.name }),
            el('div', { class: 'muted small', text: `${r.streams.length} streams` }),
          ),
        );
    });
} else {
  connect();
  pollRoom();
  frame();
}
