/**
 * Draws the app icon (the favicon's design: three linked units on a blue square) as PNGs for the web app
 * manifest: public/icons/icon-{192,512}.png and a maskable variant with a safe-zone margin.
 * Run: npx tsx tools/pwa/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PNG } from 'pngjs';

const OUT = resolve(import.meta.dirname, '../../public/icons');
const BLUE = [0x05, 0x50, 0xae];

/** Distance from p to segment ab. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Coverage of the design at a point in the favicon's 32-unit coordinates: [background, white]. */
function sample(x: number, y: number, rounded: boolean): [boolean, boolean] {
  const r = rounded ? 6 : 0;
  const cx = Math.min(Math.max(x, r), 32 - r);
  const cy = Math.min(Math.max(y, r), 32 - r);
  const inside = x >= 0 && x <= 32 && y >= 0 && y <= 32 && Math.hypot(x - cx, y - cy) <= r + 1e-9;
  const units: [number, number][] = [[11, 12], [21, 12], [16, 21]];
  let white = units.some(([ux, uy]) => Math.hypot(x - ux, y - uy) <= 3);
  for (let i = 0; i < 3 && !white; i++) {
    const [a, b] = [units[i], units[(i + 1) % 3]];
    if (segmentDistance(x, y, a[0], a[1], b[0], b[1]) <= 0.75) white = true;
  }
  return [inside, inside && white];
}

function draw(size: number, maskable: boolean): Buffer {
  const png = new PNG({ width: size, height: size });
  const ss = 4; // supersampling for smooth edges
  // Maskable icons are cropped to a circle of 80 % of the size: draw the design smaller on a full square.
  const scale = maskable ? 32 / (size * 0.7) : 32 / size;
  const offset = maskable ? (size - size * 0.7) / 2 : 0;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let white = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss - offset) * scale;
          const y = (py + (sy + 0.5) / ss - offset) * scale;
          const [b, w] = sample(x, y, !maskable);
          if (b || maskable) bg++;
          if (w) white++;
        }
      }
      const n = ss * ss;
      const i = (py * size + px) * 4;
      const fw = white / n;
      for (let c = 0; c < 3; c++) png.data[i + c] = Math.round(BLUE[c] * (1 - fw) + 255 * fw);
      png.data[i + 3] = Math.round((bg / n) * 255);
    }
  }
  return PNG.sync.write(png);
}

mkdirSync(OUT, { recursive: true });
for (const size of [192, 512]) writeFileSync(resolve(OUT, `icon-${size}.png`), draw(size, false));
writeFileSync(resolve(OUT, 'icon-maskable-512.png'), draw(512, true));
console.log(`icons written to ${OUT}`);
