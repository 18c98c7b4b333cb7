/**
 * The built-in SYNTHETIC face / non-face demo set for offline demos: cartoon faces (oval head, two eyes,
 * brows, nose, mouth, with seeded jitter in size, position, contrast) and non-faces made of the same
 * ingredients in the wrong arrangement (scrambled features, houses, gratings, blobs). It is not a real
 * localizer: use real photographs (e.g. fLoc, Stigliani et al. 2015) for anything you want to report.
 * Plain TS (no DOM) so it runs in the lab worker. Images are 8-bit grayscale, row-major, side × side.
 */
import { seededRng, type Rng } from './random';
import type { GrayImage } from './noise';

/** A core gray image with a display name. */
export interface NamedGrayImage extends GrayImage {
  name: string;
}

export interface DemoCategorySet {
  faces: NamedGrayImage[];
  nonFaces: NamedGrayImage[];
  synthetic: true;
}

class Canvas {
  readonly px: Float32Array;
  constructor(readonly side: number, background: number) {
    this.px = new Float32Array(side * side).fill(background);
  }
  /** Filled ellipse (centre, radii in pixels, rotation in radians). */
  ellipse(cx: number, cy: number, rx: number, ry: number, value: number, angle = 0): void {
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const r = Math.max(rx, ry);
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(this.side - 1, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(this.side - 1, Math.ceil(cx + r)); x++) {
        const dx = x - cx;
        const dy = y - cy;
        const u = (dx * c + dy * s) / rx;
        const v = (-dx * s + dy * c) / ry;
        if (u * u + v * v <= 1) this.px[y * this.side + x] = value;
      }
    }
  }
  rect(x0: number, y0: number, w: number, h: number, value: number): void {
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(this.side, y0 + h); y++) {
      for (let x = Math.max(0, Math.floor(x0)); x < Math.min(this.side, x0 + w); x++) this.px[y * this.side + x] = value;
    }
  }
  toImage(name: string): NamedGrayImage {
    const pixels = new Uint8Array(this.px.length);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, Math.round(this.px[i])));
    return { name, width: this.side, height: this.side, data: pixels };
  }
}

const jitter = (rng: Rng, amount: number) => (rng() * 2 - 1) * amount;

/** Face parts around a centre; `scramble` moves each part to a random place (same parts, no face). */
function drawFaceParts(cv: Canvas, rng: Rng, skin: number, dark: number, scramble: boolean): void {
  const n = cv.side;
  const cx = n / 2 + jitter(rng, n * 0.04);
  const cy = n / 2 + jitter(rng, n * 0.04);
  const headW = n * (0.28 + jitter(rng, 0.03));
  const headH = n * (0.36 + jitter(rng, 0.03));
  const eyeDx = headW * (0.42 + jitter(rng, 0.05));
  const eyeY = cy - headH * (0.18 + jitter(rng, 0.04));
  const eyeR = n * (0.035 + jitter(rng, 0.008));
  const place = (x: number, y: number): [number, number] =>
    scramble ? [n * (0.2 + 0.6 * rng()), n * (0.2 + 0.6 * rng())] : [x, y];
  if (!scramble) cv.ellipse(cx, cy, headW, headH, skin);
  else cv.ellipse(n * (0.3 + 0.4 * rng()), n * (0.3 + 0.4 * rng()), headW * 0.6, headH * 0.4, skin, rng() * Math.PI);
  const parts: Array<() => void> = [
    () => { const [x, y] = place(cx - eyeDx, eyeY); cv.ellipse(x, y, eyeR * 1.5, eyeR, dark); },
    () => { const [x, y] = place(cx + eyeDx, eyeY); cv.ellipse(x, y, eyeR * 1.5, eyeR, dark); },
    () => { const [x, y] = place(cx - eyeDx, eyeY - eyeR * 2.2); cv.rect(x - eyeR * 1.6, y, eyeR * 3.2, eyeR * 0.6, dark); },
    () => { const [x, y] = place(cx + eyeDx, eyeY - eyeR * 2.2); cv.rect(x - eyeR * 1.6, y, eyeR * 3.2, eyeR * 0.6, dark); },
    () => { const [x, y] = place(cx, cy + headH * 0.05); cv.ellipse(x, y, eyeR * 0.6, eyeR * 1.6, (skin + dark) / 2); },
    () => { const [x, y] = place(cx, cy + headH * (0.45 + jitter(rng, 0.05))); cv.ellipse(x, y, headW * (0.35 + jitter(rng, 0.08)), eyeR * 0.7, dark); },
  ];
  for (const p of parts) p();
}

function face(side: number, rng: Rng, i: number): NamedGrayImage {
  const bg = 90 + jitter(rng, 40);
  const cv = new Canvas(side, bg);
  const skin = Math.min(250, bg + 60 + jitter(rng, 30));
  drawFaceParts(cv, rng, skin, 20 + jitter(rng, 15), false);
  return cv.toImage(`synthetic-face-${String(i + 1).padStart(2, '0')}`);
}

function nonFace(side: number, rng: Rng, i: number): NamedGrayImage {
  const bg = 90 + jitter(rng, 40);
  const cv = new Canvas(side, bg);
  const bright = Math.min(250, bg + 60 + jitter(rng, 30));
  const dark = 20 + jitter(rng, 15);
  switch (i % 4) {
    case 0: // scrambled face parts: same local features, no face configuration
      drawFaceParts(cv, rng, bright, dark, true);
      break;
    case 1: { // house: box, roof, door, windows
      const w = side * (0.5 + jitter(rng, 0.08));
      const x0 = (side - w) / 2;
      const y0 = side * 0.42;
      cv.rect(x0, y0, w, side * 0.42, bright);
      for (let k = 0; k < 8; k++) cv.rect(x0 + (w / 2) * (1 - (k + 1) / 8), y0 - (side * 0.2 * (k + 1)) / 8, w * ((k + 1) / 8), side * 0.2 / 8 + 1, dark + 40);
      cv.rect(side / 2 - side * 0.05, y0 + side * 0.22, side * 0.1, side * 0.2, dark);
      cv.rect(x0 + w * 0.12, y0 + side * 0.06, side * 0.1, side * 0.1, dark);
      cv.rect(x0 + w * 0.88 - side * 0.1, y0 + side * 0.06, side * 0.1, side * 0.1, dark);
      break;
    }
    case 2: { // oriented grating
      const period = side * (0.08 + 0.06 * rng());
      const a = rng() * Math.PI;
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const t = (x * Math.cos(a) + y * Math.sin(a)) / period;
          cv.px[y * side + x] = Math.sin(2 * Math.PI * t) > 0 ? bright : dark;
        }
      }
      break;
    }
    default: // random blobs and bars
      for (let k = 0; k < 6; k++) {
        if (rng() < 0.5) cv.ellipse(side * rng(), side * rng(), side * (0.05 + 0.12 * rng()), side * (0.05 + 0.12 * rng()), rng() < 0.5 ? bright : dark, rng() * Math.PI);
        else cv.rect(side * rng(), side * rng(), side * (0.05 + 0.3 * rng()), side * (0.03 + 0.1 * rng()), rng() < 0.5 ? bright : dark);
      }
  }
  return cv.toImage(`synthetic-nonface-${String(i + 1).padStart(2, '0')}`);
}

/** `count` synthetic faces and `count` synthetic non-faces, seeded (same seed → same pixels). */
export function syntheticFaceSet(count = 16, side = 96, seed = 2006): DemoCategorySet {
  const rng = seededRng(seed);
  const faces: NamedGrayImage[] = [];
  const nonFaces: NamedGrayImage[] = [];
  for (let i = 0; i < count; i++) faces.push(face(side, rng, i));
  for (let i = 0; i < count; i++) nonFaces.push(nonFace(side, rng, i));
  return { faces, nonFaces, synthetic: true };
}
