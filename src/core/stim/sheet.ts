/**
 * The cortical sheet: one layer of the model treated as inferotemporal cortex (IT).
 *
 * Sites are the layer's channels; a site's response to an image is the channel's mean over spatial positions
 * (a multi-unit site pools many neurons with nearby receptive fields). Sites are laid out on a 2D sheet in
 * millimetres so that neighbours have similar tuning: classical MDS of the correlation distance between the
 * sites' response profiles to a localizer set (Torgerson 1952), then a rank-preserving assignment to a square
 * grid with a fixed spacing. Face patches then show up as clusters of face-selective sites, as in IT
 * (Tsao et al. 2006; Afraz et al. 2006 found face-selective sites clustered at the mm scale).
 */
import { UserFacingError, type FloatTensor } from '../types';
import { seededRng } from './random';

export interface SheetOptions {
  /** Distance between neighbouring grid sites (mm). Default 0.1 mm. */
  spacingMm?: number;
  /** Seed of the power iterations' start vectors (the layout is deterministic given it). Default 1. */
  seed?: number;
}

export interface CorticalSheet {
  layer: string;
  nSites: number;
  /** Position of each site on the sheet (mm). */
  xMm: Float32Array;
  yMm: Float32Array;
  spacingMm: number;
  gridCols: number;
  gridRows: number;
  /** Face selectivity d' per site (faces vs non-faces of the localizer). */
  dPrime: Float32Array;
  /** Mean and SD of each site's response over the localizer (the units of stimulation). */
  mean: Float32Array;
  sd: Float32Array;
  /**
   * Unit of stimulation per site (response SD over the task's noisy images, set by experiment.ts withTaskUnits);
   * the localizer `sd` when absent.
   */
  unitSd?: Float32Array;
}

/** Per-image, per-site responses [nImages x nSites]: channel means over space of a [N, C, ...] activation. */
export function siteResponses(activation: FloatTensor): { data: Float32Array; nImages: number; nSites: number } {
  const [n, c] = activation.dims;
  if (activation.dims.length < 2 || !n || !c) throw new UserFacingError(`Expected an activation [images, channels, ...], got dims [${activation.dims.join(', ')}].`);
  const spatial = activation.dims.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * c);
  const src = activation.data;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      const base = (i * c + ch) * spatial;
      for (let k = 0; k < spatial; k++) s += src[base + k];
      out[i * c + ch] = s / spatial;
    }
  }
  return { data: out, nImages: n, nSites: c };
}

/** Mean and (population) variance of columns of a row-major [rows x cols] matrix, restricted to rows where `use` is true. */
function columnStats(data: Float32Array, rows: number, cols: number, use: (row: number) => boolean): { mean: Float64Array; variance: Float64Array; count: number } {
  const mean = new Float64Array(cols);
  const variance = new Float64Array(cols);
  let count = 0;
  for (let r = 0; r < rows; r++) {
    if (!use(r)) continue;
    count++;
    for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c];
  }
  for (let c = 0; c < cols; c++) mean[c] /= Math.max(count, 1);
  for (let r = 0; r < rows; r++) {
    if (!use(r)) continue;
    for (let c = 0; c < cols; c++) {
      const d = data[r * cols + c] - mean[c];
      variance[c] += d * d;
    }
  }
  for (let c = 0; c < cols; c++) variance[c] /= Math.max(count, 1);
  return { mean, variance, count };
}

/**
 * Face selectivity per site: d' = (mean_face − mean_nonface) / sqrt((var_face + var_nonface) / 2),
 * population variances. A site with no variance in either class gets d' = 0.
 */
export function faceDPrime(responses: Float32Array, nImages: number, nSites: number, isFace: ArrayLike<boolean>): Float32Array {
  if (isFace.length !== nImages) throw new UserFacingError(`Got ${isFace.length} face labels for ${nImages} images.`);
  const f = columnStats(responses, nImages, nSites, (r) => isFace[r]);
  const nf = columnStats(responses, nImages, nSites, (r) => !isFace[r]);
  if (f.count < 2 || nf.count < 2) throw new UserFacingError('The localizer needs at least two face and two non-face images.');
  const d = new Float32Array(nSites);
  for (let c = 0; c < nSites; c++) {
    const pooled = Math.sqrt((f.variance[c] + nf.variance[c]) / 2);
    d[c] = pooled > 0 ? (f.mean[c] - nf.mean[c]) / pooled : 0;
  }
  return d;
}

/** Top eigenvectors of a symmetric matrix by power iteration with deflation (seeded start vectors). */
function topEigenvectors(m: Float64Array, n: number, k: number, seed: number): { vectors: Float64Array[]; values: number[] } {
  const rng = seededRng(seed);
  const vectors: Float64Array[] = [];
  const values: number[] = [];
  const tmp = new Float64Array(n);
  for (let e = 0; e < k; e++) {
    let v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng() - 0.5;
    let lambda = 0;
    for (let iter = 0; iter < 1000; iter++) {
      for (const u of vectors) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * u[i];
      }
      tmp.fill(0);
      for (let i = 0; i < n; i++) {
        let s = 0;
        const row = i * n;
        for (let j = 0; j < n; j++) s += m[row + j] * v[j];
        tmp[i] = s;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += tmp[i] * tmp[i];
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      let change = 0;
      for (let i = 0; i < n; i++) {
        const next = tmp[i] / norm;
        change += Math.abs(next - v[i]);
        tmp[i] = next;
      }
      v = Float64Array.from(tmp);
      const converged = Math.abs(norm - lambda) <= 1e-10 * norm && change < 1e-7 * n;
      lambda = norm;
      if (converged) break;
    }
    // Fix the sign so the layout does not depend on the start vector.
    let big = 0;
    for (let i = 0; i < n; i++) if (Math.abs(v[i]) > Math.abs(big)) big = v[i];
    if (big < 0) for (let i = 0; i < n; i++) v[i] = -v[i];
    vectors.push(v);
    values.push(lambda);
  }
  return { vectors, values };
}

/**
 * Classical MDS of the sites with distance² = 2 (1 − r), r the Pearson correlation of two sites' responses over
 * images. Double-centring gives B = J R J, whose top-2 eigenvectors (scaled by √λ) are the embedding.
 */
export function correlationEmbedding(responses: Float32Array, nImages: number, nSites: number, seed = 1): { x: Float64Array; y: Float64Array } {
  const { mean, variance } = columnStats(responses, nImages, nSites, () => true);
  const z = new Float64Array(nImages * nSites);
  for (let i = 0; i < nImages; i++) {
    for (let c = 0; c < nSites; c++) {
      const sd = Math.sqrt(variance[c]);
      z[i * nSites + c] = sd > 0 ? (responses[i * nSites + c] - mean[c]) / (sd * Math.sqrt(nImages)) : 0;
    }
  }
  const r = new Float64Array(nSites * nSites);
  for (let i = 0; i < nImages; i++) {
    const row = i * nSites;
    for (let a = 0; a < nSites; a++) {
      const za = z[row + a];
      if (za === 0) continue;
      const ra = a * nSites;
      for (let b = a; b < nSites; b++) r[ra + b] += za * z[row + b];
    }
  }
  for (let a = 0; a < nSites; a++) for (let b = 0; b < a; b++) r[a * nSites + b] = r[b * nSites + a];
  // Double centring.
  const rowMean = new Float64Array(nSites);
  let total = 0;
  for (let a = 0; a < nSites; a++) {
    let s = 0;
    for (let b = 0; b < nSites; b++) s += r[a * nSites + b];
    rowMean[a] = s / nSites;
    total += s;
  }
  total /= nSites * nSites;
  for (let a = 0; a < nSites; a++) for (let b = 0; b < nSites; b++) r[a * nSites + b] += total - rowMean[a] - rowMean[b];
  const { vectors, values } = topEigenvectors(r, nSites, 2, seed);
  const scale = values.map((v) => Math.sqrt(Math.max(v, 0)));
  return { x: vectors[0].map((v) => v * scale[0]), y: vectors[1].map((v) => v * scale[1]) };
}

/**
 * Square-grid assignment that keeps the embedding's neighbourhoods: sort by x into columns of equal size,
 * then by y within each column. Ties are broken by site index (deterministic).
 */
export function gridAssignment(x: ArrayLike<number>, y: ArrayLike<number>): { col: Int32Array; row: Int32Array; cols: number; rows: number } {
  const n = x.length;
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  const col = new Int32Array(n);
  const row = new Int32Array(n);
  for (let c = 0; c * rows < n; c++) {
    const chunk = order.slice(c * rows, (c + 1) * rows).sort((a, b) => y[a] - y[b] || a - b);
    chunk.forEach((site, r) => {
      col[site] = c;
      row[site] = r;
    });
  }
  return { col, row, cols, rows };
}

/** Builds the sheet from localizer responses [nImages x nSites] and face labels. */
export function buildSheet(
  layer: string,
  responses: Float32Array,
  nImages: number,
  nSites: number,
  isFace: ArrayLike<boolean>,
  options: SheetOptions = {},
): CorticalSheet {
  if (responses.length !== nImages * nSites) throw new UserFacingError(`Responses have ${responses.length} values, expected ${nImages} images x ${nSites} sites.`);
  if (nSites < 4) throw new UserFacingError(`A cortical sheet needs at least 4 sites; layer "${layer}" has ${nSites}.`);
  const spacingMm = options.spacingMm ?? 0.1;
  if (!(spacingMm > 0)) throw new UserFacingError('Site spacing must be positive (mm).');
  const dPrime = faceDPrime(responses, nImages, nSites, isFace);
  const stats = columnStats(responses, nImages, nSites, () => true);
  const { x, y } = correlationEmbedding(responses, nImages, nSites, options.seed ?? 1);
  const grid = gridAssignment(x, y);
  return {
    layer,
    nSites,
    xMm: Float32Array.from(grid.col, (c) => c * spacingMm),
    yMm: Float32Array.from(grid.row, (r) => r * spacingMm),
    spacingMm,
    gridCols: grid.cols,
    gridRows: grid.rows,
    dPrime,
    mean: Float32Array.from(stats.mean),
    sd: Float32Array.from(stats.variance, (v) => Math.sqrt(v)),
  };
}

/**
 * Moran's I of a value over the sheet with binary weights (neighbours within `radiusMm`): > 0 when neighbouring
 * sites have similar values (clusters), ≈ −1/(n−1) for a random layout.
 */
export function moransI(values: ArrayLike<number>, xMm: ArrayLike<number>, yMm: ArrayLike<number>, radiusMm: number): number {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let num = 0;
  let wSum = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const di = values[i] - mean;
    den += di * di;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = xMm[i] - xMm[j];
      const dy = yMm[i] - yMm[j];
      if (dx * dx + dy * dy <= radiusMm * radiusMm + 1e-12) {
        num += di * (values[j] - mean);
        wSum++;
      }
    }
  }
  return wSum > 0 && den > 0 ? (n / wSum) * (num / den) : 0;
}
