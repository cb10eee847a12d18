// Convex hull and minimum-area enclosing rectangle of a point set (rotating calipers over hull edges).
//
// The minimum-area rectangle has one side collinear with a hull edge (Freeman & Shapira 1975), so
// trying each hull edge direction finds it; hulls here have tens of points, so O(h^2) is cheap.

export interface Point {
  x: number;
  y: number;
}

/** A rectangle by centre, size and the direction of its `width` side (degrees, clockwise on screen). */
export interface OrientedRect {
  centerX: number;
  centerY: number;
  width: number;
  height: number;
  angleDeg: number;
}

/** Andrew's monotone chain; returns the hull counter-clockwise (in y-down coordinates: clockwise on screen). */
export function convexHull(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (sorted.length <= 2) return sorted;
  const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0)
      lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0)
      upper.pop();
    upper.push(p);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/** The smallest-area rectangle enclosing `points`; undefined for fewer than 3 distinct points. */
export function minAreaRect(points: readonly Point[]): OrientedRect | undefined {
  const hull = convexHull(points);
  if (hull.length < 3) return undefined;
  let best: { area: number; rect: OrientedRect } | undefined;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    if (length === 0) continue;
    const ux = (b.x - a.x) / length;
    const uy = (b.y - a.y) / length;
    let minU = Number.POSITIVE_INFINITY;
    let maxU = Number.NEGATIVE_INFINITY;
    let minV = Number.POSITIVE_INFINITY;
    let maxV = Number.NEGATIVE_INFINITY;
    for (const p of hull) {
      const u = p.x * ux + p.y * uy;
      const v = -p.x * uy + p.y * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (best && area >= best.area) continue;
    const cu = (minU + maxU) / 2;
    const cv = (minV + maxV) / 2;
    best = {
      area,
      rect: {
        centerX: cu * ux - cv * uy,
        centerY: cu * uy + cv * ux,
        width: maxU - minU,
        height: maxV - minV,
        angleDeg: (Math.atan2(uy, ux) * 180) / Math.PI,
      },
    };
  }
  return best?.rect;
}

/** The rectangle's corners in order around it: (-w,-h), (+w,-h), (+w,+h), (-w,+h) in its own axes. */
export function rectCorners(rect: OrientedRect): [Point, Point, Point, Point] {
  const a = (rect.angleDeg * Math.PI) / 180;
  const ux = Math.cos(a);
  const uy = Math.sin(a);
  const hw = rect.width / 2;
  const hh = rect.height / 2;
  const at = (su: number, sv: number): Point => ({
    x: rect.centerX + su * hw * ux - sv * hh * uy,
    y: rect.centerY + su * hw * uy + sv * hh * ux,
  });
  return [at(-1, -1), at(1, -1), at(1, 1), at(-1, 1)];
}
