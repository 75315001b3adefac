// Small drawing helpers for the dashboard: no libraries, plain SVG and DOM.

export const AU_LABELS = {
  AU1: 'Inner brow raise',
  AU2: 'Outer brow raise',
  AU4: 'Brow lower',
  AU5: 'Upper lid raise',
  AU6: 'Cheek raise',
  AU9: 'Nose wrinkle',
  AU12: 'Lip corner pull',
  AU15: 'Lip corner down',
  AU17: 'Chin raise',
  AU20: 'Lip stretch',
  AU25: 'Lips part',
  AU26: 'Jaw drop',
};

export const EMOTION_COLORS = {
  happiness: '#e8a33d',
  sadness: '#4f7cc9',
  surprise: '#8a6bd1',
  fear: '#2a9d8f',
  anger: '#d1495b',
  disgust: '#7a9a3a',
  contempt: '#a0785a',
};
export const emotionColor = (e) => EMOTION_COLORS[e] ?? '#7b8794';

/** Creates an element with attributes and children. */
export function el(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') n.className = v;
    else if (k === 'text') n.textContent = v;
    else if (k === 'style') n.style.cssText = v;
    else n.setAttribute(k, v);
  }
  for (const c of children) n.append(c);
  return n;
}

/** Draws a 0..1 series as an area sparkline into an SVG with a 600x120 viewBox. */
export function sparkline(svg, points, fromT, toT) {
  const W = 600;
  const H = 120;
  const span = Math.max(toT - fromT, 1);
  const xs = (t) => ((t - fromT) / span) * W;
  const ys = (v) => H - 8 - Math.max(0, Math.min(1, v)) * (H - 16);
  const grid = [0.25, 0.5, 0.75]
    .map((g) => `<line x1="0" x2="${W}" y1="${ys(g)}" y2="${ys(g)}" stroke="#e6ebf0" stroke-width="1"/>`)
    .join('');
  if (points.length < 2) {
    svg.innerHTML = `${grid}<text x="12" y="64" fill="#8a96a3" font-size="14">the trend appears after a few updates</text>`;
    return;
  }
  const line = points.map((p, i) => `${i ? 'L' : 'M'}${xs(p.t).toFixed(1)},${ys(p.v).toFixed(1)}`).join(' ');
  const first = xs(points[0].t).toFixed(1);
  const last = xs(points[points.length - 1].t).toFixed(1);
  svg.innerHTML = `${grid}<path d="${line} L${last},${H} L${first},${H} Z" fill="#0f766e" fill-opacity="0.12"/>
    <path d="${line}" fill="none" stroke="#0f766e" stroke-width="2.2" vector-effect="non-scaling-stroke"/>`;
}

/** Formats stream time (ms) as m:ss. */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
