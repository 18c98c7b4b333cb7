/**
 * Built-in sample images drawn in code (no files needed): a grating, a checkerboard, a disk and a
 * schematic face, encoded as PNG so they go through the same decode path as user images.
 */
export interface SampleImage {
  name: string;
  data: ArrayBuffer;
}

type Draw = (ctx: OffscreenCanvasRenderingContext2D, s: number) => void;

const DRAWINGS: [string, Draw][] = [
  ['grating', (ctx, s) => {
    for (let x = 0; x < s; x++) {
      const v = Math.round(127.5 + 127.5 * Math.sin((2 * Math.PI * x) / 16));
      ctx.fillStyle = `rgb(${v},${v},${v})`;
      ctx.fillRect(x, 0, 1, s);
    }
  }],
  ['checkerboard', (ctx, s) => {
    const k = s / 8;
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) {
      ctx.fillStyle = (i + j) % 2 ? '#1b1f24' : '#f0e442';
      ctx.fillRect(i * k, j * k, k, k);
    }
  }],
  ['disk', (ctx, s) => {
    ctx.fillStyle = '#0072b2';
    ctx.fillRect(0, 0, s, s);
    ctx.fillStyle = '#e69f00';
    ctx.beginPath();
    ctx.arc(s / 2, s / 2, s / 3, 0, 2 * Math.PI);
    ctx.fill();
  }],
  ['face', (ctx, s) => {
    ctx.fillStyle = '#dfe3e8';
    ctx.fillRect(0, 0, s, s);
    ctx.fillStyle = '#d9a37a';
    ctx.beginPath();
    ctx.ellipse(s / 2, s / 2, s * 0.3, s * 0.38, 0, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#222';
    for (const dx of [-0.11, 0.11]) {
      ctx.beginPath();
      ctx.arc(s / 2 + dx * s, s * 0.42, s * 0.035, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.strokeStyle = '#7a2e2e';
    ctx.lineWidth = s * 0.02;
    ctx.beginPath();
    ctx.arc(s / 2, s * 0.58, s * 0.1, 0.15 * Math.PI, 0.85 * Math.PI);
    ctx.stroke();
  }],
];

export async function makeSampleImages(size = 224): Promise<SampleImage[]> {
  const out: SampleImage[] = [];
  for (const [name, draw] of DRAWINGS) {
    const canvas = new OffscreenCanvas(size, size);
    const ctx = canvas.getContext('2d')!;
    draw(ctx, size);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    out.push({ name, data: await blob.arrayBuffer() });
  }
  return out;
}
