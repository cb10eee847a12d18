// A small canvas plot of one axis over the last 30 s: position (solid, left scale) and velocity
// (dashed, right scale). Samples arrive only when the axis changes, so each value holds until the next.

export const WINDOW_MS = 30_000;
/** Bounded whatever the feed does: 30 s at 10 updates/s is 300; the cap leaves room. */
const MAX_SAMPLES = 600;

export class AxisPlot {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.samples = [];
    this.unit = '';
  }

  /** tMs: the page's clock (performance.now()) when the value arrived. */
  push(tMs, position, velocity) {
    if (position === null || position === undefined) return;
    this.samples.push({ t: tMs, p: position, v: velocity ?? 0 });
    const cutoff = tMs - WINDOW_MS;
    // Keep one sample older than the window: it is the value held at the window's left edge.
    let drop = 0;
    while (drop + 1 < this.samples.length && this.samples[drop + 1].t <= cutoff) drop++;
    if (this.samples.length - drop > MAX_SAMPLES) drop = this.samples.length - MAX_SAMPLES;
    if (drop > 0) this.samples.splice(0, drop);
  }

  draw(nowMs) {
    const { canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    const style = getComputedStyle(canvas);
    const ink = style.getPropertyValue('--plot-ink').trim() || '#888';
    const posColour = style.getPropertyValue('--plot-position').trim() || '#1565c0';
    const velColour = style.getPropertyValue('--plot-velocity').trim() || '#e65100';
    ctx.clearRect(0, 0, width, height);
    const pad = { l: 4 * ratio, r: 4 * ratio, t: 14 * ratio, b: 4 * ratio };
    const plotW = width - pad.l - pad.r;
    const plotH = height - pad.t - pad.b;
    const t0 = nowMs - WINDOW_MS;
    const x = (t) => pad.l + ((Math.max(t, t0) - t0) / WINDOW_MS) * plotW;

    // Grid: one line every 5 s, so a glance tells how long ago something happened.
    ctx.strokeStyle = ink;
    ctx.globalAlpha = 0.2;
    ctx.lineWidth = 1;
    for (let s = 0; s <= 30; s += 5) {
      const gx = pad.l + (s / 30) * plotW;
      ctx.beginPath();
      ctx.moveTo(gx, pad.t);
      ctx.lineTo(gx, pad.t + plotH);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    if (this.samples.length === 0) return;

    const range = (key) => {
      let min = Infinity;
      let max = -Infinity;
      for (const s of this.samples) {
        min = Math.min(min, s[key]);
        max = Math.max(max, s[key]);
      }
      if (key === 'v') {
        min = Math.min(min, 0);
        max = Math.max(max, 0);
      }
      if (max - min < 1e-9) {
        min -= 1;
        max += 1;
      }
      return { min, max };
    };
    const trace = (key, colour, dashed) => {
      const { min, max } = range(key);
      const y = (value) => pad.t + plotH - ((value - min) / (max - min)) * plotH;
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2 * ratio;
      ctx.setLineDash(dashed ? [6 * ratio, 4 * ratio] : []);
      ctx.beginPath();
      let previous;
      for (const s of this.samples) {
        if (previous === undefined) ctx.moveTo(x(s.t), y(s[key]));
        else {
          // Hold the previous value until this sample arrived (a step), then jump.
          ctx.lineTo(x(s.t), y(previous));
          ctx.lineTo(x(s.t), y(s[key]));
        }
        previous = s[key];
      }
      ctx.lineTo(x(nowMs), y(previous));
      ctx.stroke();
      ctx.setLineDash([]);
      return { min, max };
    };
    const pos = trace('p', posColour, false);
    const vel = trace('v', velColour, true);
    ctx.font = `${11 * ratio}px system-ui, sans-serif`;
    ctx.fillStyle = posColour;
    ctx.textBaseline = 'top';
    ctx.fillText(`pos ${fmt(pos.min)}…${fmt(pos.max)} ${this.unit}`, pad.l, 1 * ratio);
    ctx.fillStyle = velColour;
    ctx.textAlign = 'right';
    ctx.fillText(`vel ${fmt(vel.min)}…${fmt(vel.max)} ${this.unit}/s`, width - pad.r, 1 * ratio);
    ctx.textAlign = 'left';
  }
}

function fmt(value) {
  const abs = Math.abs(value);
  return abs >= 1000 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}
