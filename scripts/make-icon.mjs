// Draws the extension's icon, media/icon.png (128×128): a lens over a decision boundary, a point
// near it, the adversarial step that crosses it and random steps of the same length that do not.
// Usage: node scripts/make-icon.mjs [out.png]
import { encode } from 'fast-png';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const size = 128;
const supersample = 4;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'media', 'icon.png');

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
const colours = {
  backgroundTop: hex('#0b2a40'),
  backgroundBottom: hex('#14506b'),
  classA: hex('#2f8fd8'),
  classB: hex('#f0a03c'),
  ring: hex('#eef6fb'),
  handle: hex('#c9d8e2'),
  boundary: hex('#ffffff'),
  point: hex('#ffffff'),
  adversarial: hex('#ff4d5e'),
  random: hex('#dfe9f0'),
};

// Signed distances (negative inside), in 128-pixel units.
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const ring = (cx, cy, r, width) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - width / 2;
function segment(ax, ay, bx, by, width) {
  return (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) - width / 2;
  };
}
function roundedSquare(inset, radius) {
  return (x, y) => {
    const qx = Math.abs(x - size / 2) - (size / 2 - inset - radius);
    const qy = Math.abs(y - size / 2) - (size / 2 - inset - radius);
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };
}
function triangle(ax, ay, bx, by, cx, cy) {
  const edge = (px, py, qx, qy) => (x, y) => ((qx - px) * (y - py) - (qy - py) * (x - px)) / Math.hypot(qx - px, qy - py);
  const edges = [edge(ax, ay, bx, by), edge(bx, by, cx, cy), edge(cx, cy, ax, ay)];
  const sign = Math.sign(edges[0](cx, cy));
  return (x, y) => Math.max(...edges.map((e) => -sign * e(x, y)));
}

// The lens and the boundary through it: the line n·p = c with unit normal n.
const lens = { x: 54, y: 54, r: 36 };
const normal = [Math.SQRT1_2, -Math.SQRT1_2];
const boundaryOffset = normal[0] * 54 + normal[1] * 60;
const side = (x, y) => normal[0] * x + normal[1] * y - boundaryOffset;
// A point 10 px from the boundary on side A; the adversarial step crosses along the normal.
const point = [42, 62];
const distance = -side(...point);
const stepEnd = [point[0] + normal[0] * (distance + 6), point[1] + normal[1] * (distance + 6)];
const stepLength = Math.hypot(stepEnd[0] - point[0], stepEnd[1] - point[1]);
// Random steps of the same length (angles in image coordinates, y down) that stay on side A.
const randomAngles = [60, 100, 140, 180, 215, 250];
const randomEnds = randomAngles.map((deg) => [point[0] + stepLength * Math.cos((deg * Math.PI) / 180), point[1] + stepLength * Math.sin((deg * Math.PI) / 180)]);
const arrowDirection = normal;
const head = [stepEnd[0] + arrowDirection[0] * 3, stepEnd[1] + arrowDirection[1] * 3];
const perpendicular = [-arrowDirection[1], arrowDirection[0]];
const headBase = [stepEnd[0] - arrowDirection[0] * 5, stepEnd[1] - arrowDirection[1] * 5];

const background = roundedSquare(4, 22);
const inLens = circle(lens.x, lens.y, lens.r - 3);
const layers = [
  { shape: ring(lens.x, lens.y, lens.r, 7), colour: () => colours.ring },
  { shape: segment(80, 80, 108, 108, 13), colour: () => colours.handle },
  ...randomEnds.map(([x, y]) => ({ shape: segment(point[0], point[1], x, y, 2.6), colour: () => colours.random, alpha: 0.85 })),
  ...randomEnds.map(([x, y]) => ({ shape: circle(x, y, 2.8), colour: () => colours.random, alpha: 0.85 })),
  { shape: segment(point[0], point[1], headBase[0], headBase[1], 4), colour: () => colours.adversarial },
  {
    shape: triangle(head[0], head[1], headBase[0] + perpendicular[0] * 6, headBase[1] + perpendicular[1] * 6, headBase[0] - perpendicular[0] * 6, headBase[1] - perpendicular[1] * 6),
    colour: () => colours.adversarial,
  },
  { shape: circle(point[0], point[1], 4.8), colour: () => colours.point },
];

function pixelColour(x, y) {
  let rgb = [0, 0, 0];
  let alpha = 0;
  if (background(x, y) <= 0) {
    const t = y / size;
    rgb = colours.backgroundTop.map((c, i) => c + (colours.backgroundBottom[i] - c) * t);
    alpha = 1;
    if (inLens(x, y) <= 0) {
      const tint = side(x, y) < 0 ? colours.classA : colours.classB;
      rgb = rgb.map((c, i) => c * 0.12 + tint[i] * 0.88);
      if (Math.abs(side(x, y)) <= 1.1) rgb = colours.boundary;
    }
  }
  for (const layer of layers) {
    if (layer.shape(x, y) > 0) continue;
    const a = layer.alpha ?? 1;
    rgb = rgb.map((c, i) => c * (1 - a) + layer.colour()[i] * a);
    alpha = alpha + a * (1 - alpha);
  }
  return [...rgb, alpha];
}

const data = new Uint8Array(size * size * 4);
for (let py = 0; py < size; py++) {
  for (let px = 0; px < size; px++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < supersample; sy++) {
      for (let sx = 0; sx < supersample; sx++) {
        const [r, g, b, a] = pixelColour(px + (sx + 0.5) / supersample, py + (sy + 0.5) / supersample);
        sum[0] += r * a;
        sum[1] += g * a;
        sum[2] += b * a;
        sum[3] += a;
      }
    }
    const n = supersample * supersample;
    const o = (py * size + px) * 4;
    const coverage = sum[3] / n;
    for (let i = 0; i < 3; i++) data[o + i] = coverage > 0 ? Math.round(sum[i] / sum[3]) : 0;
    data[o + 3] = Math.round(coverage * 255);
  }
}

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, encode({ width: size, height: size, data, channels: 4, depth: 8 }));
console.log(`wrote ${out}`);
