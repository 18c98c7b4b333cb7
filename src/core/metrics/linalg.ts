/**
 * Small dense linear algebra in float64, row-major. Enough for kernel (dual) ridge, PLS, PCA and RSA
 * on stimulus-by-stimulus matrices (n ≤ ~2000). No DOM, runs in workers and Node.
 */
import { UserFacingError } from '../types';
import { LINALG_WASM_BASE64 } from './linalg-wasm.generated';

/** A dense row-major float64 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (data && data.length !== rows * cols) {
    throw new UserFacingError(`Matrix data has ${data.length} values but ${rows}×${cols} needs ${rows * cols}.`);
  }
  return { rows, cols, data: data ? Float64Array.from(data) : new Float64Array(rows * cols) };
}

/** From nested arrays (rows of equal length). */
export function fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
  const r = rows.length;
  const c = r ? rows[0].length : 0;
  const m = matrix(r, c);
  for (let i = 0; i < r; i++) {
    if (rows[i].length !== c) throw new UserFacingError(`Row ${i} has ${rows[i].length} values, expected ${c}.`);
    for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
  }
  return m;
}

export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function transpose(a: Matrix): Matrix {
  const t = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

/** a @ b (i-k-j loop order: streams rows of b, cache friendly). */
export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}×${a.cols} @ ${b.rows}×${b.cols}`);
  const out = matrix(a.rows, b.cols);
  const { data: A } = a;
  const { data: B } = b;
  const C = out.data;
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const ci = i * n;
    for (let k = 0; k < a.cols; k++) {
      const v = A[i * a.cols + k];
      if (v === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) C[ci + j] += v * B[bk + j];
    }
  }
  return out;
}

/**
 * The WebAssembly SIMD kernels (assembly/linalg.ts): 3–6x the plain-JS loops below on dot products, which stay
 * as the fallback where WebAssembly SIMD is missing (or, in Chrome, on the main thread, which may not compile
 * modules synchronously). Inputs are copied into the module's memory per call: O(size), against O(n³) work.
 */
interface LinalgWasm {
  memory: WebAssembly.Memory;
  rowDots(a: number, aRows: number, b: number, bRows: number, p: number, out: number, lower: number): void;
  tridiagonalize(a: number, n: number, diag: number, off: number, tau: number, v: number, w: number, y: number, q: number, u: number): void;
  solveShiftedStacked(r: number, m: number, t: number, d: number, l: number, count: number, z: number, out: number): void;
  shiftedHatDiagonals(bt: number, m: number, n: number, d: number, l: number, count: number, rows: number, g: number): void;
}

let linalgWasm: LinalgWasm | null | undefined;
let wasmAllowed = true;

/** Use the WebAssembly kernels when available (default) or force the plain-JS ones (tests compare both). */
export function useWasmKernels(on: boolean): void {
  wasmAllowed = on;
}

/** Whether the WebAssembly kernels are in use. */
export function wasmKernelsActive(): boolean {
  return wasm() !== null;
}

function wasm(): LinalgWasm | null {
  if (!wasmAllowed) return null;
  if (linalgWasm === undefined) {
    try {
      const bytes = Uint8Array.from(atob(LINALG_WASM_BASE64), (c) => c.charCodeAt(0));
      const memory = new WebAssembly.Memory({ initial: 16 });
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      linalgWasm = { memory, ...(exports as unknown as Omit<LinalgWasm, 'memory'>) };
    } catch {
      linalgWasm = null;
    }
  }
  return linalgWasm;
}

/** Consecutive float64 views over the module's memory, grown to fit; valid until the next call. */
function wasmViews(w: LinalgWasm, lengths: number[]): Float64Array[] {
  const bytes = lengths.reduce((acc, n) => acc + n * 8, 0);
  const have = w.memory.buffer.byteLength;
  if (bytes > have) {
    try {
      w.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      throw new UserFacingError(
        `Not enough memory for this computation (${Math.ceil(bytes / 2 ** 20)} MiB of working space).`,
        'Use fewer stimuli, or close other tabs; a 64-bit browser tab can hold at most 4 GiB here.',
      );
    }
  }
  let offset = 0;
  return lengths.map((n) => {
    const view = new Float64Array(w.memory.buffer, offset, n);
    offset += n * 8;
    return view;
  });
}

/** A square matrix kept in place for many matrix-vector products (see `residentSquare`). */
export interface ResidentSquare {
  /** The matrix, n × n row-major; may be updated in place between products. */
  data: Float64Array;
  /** out = data · v. */
  times(v: Float64Array, out: Float64Array): void;
}

/**
 * A copy of a square matrix for many products with vectors (PLS power iterations), held in the WebAssembly
 * memory when the kernels are on, so no product copies the matrix. Valid until the next call of another
 * kernel of this module: use it within one synchronous computation.
 */
export function residentSquare(init: Float64Array, n: number): ResidentSquare {
  const w = wasm();
  if (!w) {
    const data = Float64Array.from(init);
    return { data, times: (v, out) => matVecJs(data, v, out, n) };
  }
  const [data, vw, ow] = wasmViews(w, [n * n, n, n]);
  data.set(init);
  return {
    data,
    times(v, out) {
      vw.set(v);
      ow.fill(0);
      w.rowDots(data.byteOffset, n, vw.byteOffset, 1, n, ow.byteOffset, 0);
      out.set(ow);
    },
  };
}

/** out = K v for an n × n K; four rows per pass over v, so each v[j] load feeds four products. */
export function matVecJs(K: Float64Array, v: Float64Array, out: Float64Array, n: number): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < n; j++) {
      const x = v[j];
      s0 += K[r0 + j] * x;
      s1 += K[r1 + j] * x;
      s2 += K[r2 + j] * x;
      s3 += K[r3 + j] * x;
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < n; i++) {
    let s = 0;
    const r = i * n;
    for (let j = 0; j < n; j++) s += K[r + j] * v[j];
    out[i] = s;
  }
}

/** a @ bᵀ (dot products of rows; used for cross-kernels and products with a transposed right side). */
export function matmulTransB(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new Error(`matmulTransB: ${a.rows}×${a.cols} @ (${b.rows}×${b.cols})ᵀ`);
  if (a === b) return gram(a.data, a.rows, a.cols);
  const out = matrix(a.rows, b.rows);
  const w = wasm();
  if (!w) {
    rowDotsJs(a.data, a.rows, b.data, b.rows, a.cols, out.data, false);
    return out;
  }
  const p = a.cols;
  const [wa, wb, wo] = wasmViews(w, [a.rows * p, b.rows * p, a.rows * b.rows]);
  wa.set(a.data.subarray(0, a.rows * p));
  wb.set(b.data.subarray(0, b.rows * p));
  wo.fill(0);
  w.rowDots(wa.byteOffset, a.rows, wb.byteOffset, b.rows, p, wo.byteOffset, 0);
  out.data.set(wo);
  return out;
}

/**
 * out[i·bRows + j] += a_i · b_j over rows of a (aRows × p) and b (bRows × p), both row-major. With `lower`
 * (a and b the same rows) only j ≤ i is formed. Computes 4 × 2 dot products per pass over the features, so
 * each loaded value feeds several products: about 3x the speed of one dot product at a time in V8. The plain-JS
 * twin of the WebAssembly `rowDots` (assembly/linalg.ts).
 */
function rowDotsJs(a: Float64Array, aRows: number, b: Float64Array, bRows: number, p: number, out: Float64Array, lower: boolean): void {
  for (let i = 0; i < aRows; i += 4) {
    const rows = Math.min(4, aRows - i);
    // Rows past the end alias the last row; their sums are discarded.
    const a0 = i * p;
    const a1 = (i + Math.min(1, rows - 1)) * p;
    const a2 = (i + Math.min(2, rows - 1)) * p;
    const a3 = (i + Math.min(3, rows - 1)) * p;
    const jEnd = lower ? Math.min(bRows, i + 4) : bRows;
    for (let j = 0; j < jEnd; j += 2) {
      const b0 = j * p;
      const b1 = (j + 1 < bRows ? j + 1 : j) * p;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0; // prettier-ignore
      for (let f = 0; f < p; f++) {
        const u = b[b0 + f];
        const v = b[b1 + f];
        const x0 = a[a0 + f];
        const x1 = a[a1 + f];
        const x2 = a[a2 + f];
        const x3 = a[a3 + f];
        s00 += x0 * u;
        s01 += x0 * v;
        s10 += x1 * u;
        s11 += x1 * v;
        s20 += x2 * u;
        s21 += x2 * v;
        s30 += x3 * u;
        s31 += x3 * v;
      }
      const sums = [s00, s01, s10, s11, s20, s21, s30, s31];
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < 2 && j + c < bRows; c++) {
          if (lower && j + c > i + r) continue;
          out[(i + r) * bRows + j + c] += sums[r * 2 + c];
        }
      }
    }
  }
}

/** Features per block in `gram`: a block of every row is copied to float64 and stays in cache while all pairs are formed. */
const GRAM_BLOCK = 512;

/**
 * Linear kernel K = X Xᵀ (n × n) of n rows with p features, float32 or float64 input, float64 accumulation.
 * Works through the features in blocks so a block of all rows is reused from cache by every pair, and X is
 * never copied whole (layers can be 100k features × 1000s of stimuli).
 */
export function gram(x: Float32Array | Float64Array, n: number, p: number): Matrix {
  if (x.length !== n * p) throw new UserFacingError(`Feature data has ${x.length} values but ${n}×${p} needs ${n * p}.`);
  const k = matrix(n, n);
  const width = Math.min(GRAM_BLOCK, p);
  const kernels = wasm();
  if (kernels) {
    // K stays in the module's memory across blocks, and each block is converted straight into it.
    const [block, out] = wasmViews(kernels, [n * width, n * n]);
    out.fill(0);
    for (let f0 = 0; f0 < p; f0 += width) {
      const w = Math.min(width, p - f0);
      for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) block[i * w + f] = x[i * p + f0 + f];
      kernels.rowDots(block.byteOffset, n, block.byteOffset, n, w, out.byteOffset, 1);
    }
    k.data.set(out);
  } else {
    const block = new Float64Array(n * width);
    for (let f0 = 0; f0 < p; f0 += width) {
      const w = Math.min(width, p - f0);
      for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) block[i * w + f] = x[i * p + f0 + f];
      rowDotsJs(block, n, block, n, w, k.data, true);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) k.data[j * n + i] = k.data[i * n + j];
  return k;
}

/** aᵀ @ b without forming aᵀ. */
export function matmulTransA(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows) throw new Error(`matmulTransA: (${a.rows}×${a.cols})ᵀ @ ${b.rows}×${b.cols}`);
  const out = matrix(a.cols, b.cols);
  const n = b.cols;
  for (let k = 0; k < a.rows; k++) {
    for (let i = 0; i < a.cols; i++) {
      const v = a.data[k * a.cols + i];
      if (v === 0) continue;
      const ci = i * n;
      const bk = k * n;
      for (let j = 0; j < n; j++) out.data[ci + j] += v * b.data[bk + j];
    }
  }
  return out;
}

/** Rows of m picked by index. */
export function selectRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = matrix(idx.length, m.cols);
  for (let i = 0; i < idx.length; i++) out.data.set(m.data.subarray(idx[i] * m.cols, (idx[i] + 1) * m.cols), i * m.cols);
  return out;
}

/** Sub-block m[rowIdx, colIdx]. */
export function selectBlock(m: Matrix, rowIdx: ArrayLike<number>, colIdx: ArrayLike<number>): Matrix {
  const out = matrix(rowIdx.length, colIdx.length);
  for (let i = 0; i < rowIdx.length; i++) {
    const r = rowIdx[i] * m.cols;
    for (let j = 0; j < colIdx.length; j++) out.data[i * colIdx.length + j] = m.data[r + colIdx[j]];
  }
  return out;
}

export function columnMeans(m: Matrix): Float64Array {
  const mu = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mu[j] += m.data[i * m.cols + j];
  for (let j = 0; j < m.cols; j++) mu[j] /= m.rows || 1;
  return mu;
}

/** m minus a row vector (e.g. column means), as a new matrix. */
export function subtractRow(m: Matrix, v: ArrayLike<number>): Matrix {
  const out = matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] = m.data[i * m.cols + j] - v[j];
  return out;
}

export function addRow(m: Matrix, v: ArrayLike<number>): Matrix {
  const out = matrix(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] = m.data[i * m.cols + j] + v[j];
  return out;
}

/**
 * Solve A x = B for symmetric positive definite A by Cholesky (A = L Lᵀ). B may have many columns.
 * Throws when A is not positive definite.
 */
export function choleskySolve(a: Matrix, b: Matrix): Matrix {
  const n = a.rows;
  if (a.cols !== n || b.rows !== n) throw new Error('choleskySolve: shape mismatch');
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a.data[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (!(d > 0)) throw new UserFacingError('The matrix is not positive definite (try a larger ridge penalty).');
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  const m = b.cols;
  const x = Float64Array.from(b.data);
  // Forward: L y = b.
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const l = L[i * n + k];
      if (l === 0) continue;
      for (let c = 0; c < m; c++) x[i * m + c] -= l * x[k * m + c];
    }
    const lii = L[i * n + i];
    for (let c = 0; c < m; c++) x[i * m + c] /= lii;
  }
  // Backward: Lᵀ x = y.
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const l = L[k * n + i];
      if (l === 0) continue;
      for (let c = 0; c < m; c++) x[i * m + c] -= l * x[k * m + c];
    }
    const lii = L[i * n + i];
    for (let c = 0; c < m; c++) x[i * m + c] /= lii;
  }
  return { rows: n, cols: m, data: x };
}

/** Solve A x = B for a general square A by LU with partial pivoting (small systems, e.g. PLS rotations). */
export function luSolve(a: Matrix, b: Matrix): Matrix {
  const n = a.rows;
  if (a.cols !== n || b.rows !== n) throw new Error('luSolve: shape mismatch');
  const A = Float64Array.from(a.data);
  const m = b.cols;
  const X = Float64Array.from(b.data);
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i * n + k]) > Math.abs(A[piv * n + k])) piv = i;
    if (A[piv * n + k] === 0) throw new UserFacingError('The matrix is singular.');
    if (piv !== k) {
      for (let j = 0; j < n; j++) [A[k * n + j], A[piv * n + j]] = [A[piv * n + j], A[k * n + j]];
      for (let j = 0; j < m; j++) [X[k * m + j], X[piv * m + j]] = [X[piv * m + j], X[k * m + j]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = A[i * n + k] / A[k * n + k];
      if (f === 0) continue;
      for (let j = k; j < n; j++) A[i * n + j] -= f * A[k * n + j];
      for (let j = 0; j < m; j++) X[i * m + j] -= f * X[k * m + j];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = A[i * n + k];
      if (f === 0) continue;
      for (let j = 0; j < m; j++) X[i * m + j] -= f * X[k * m + j];
    }
    for (let j = 0; j < m; j++) X[i * m + j] /= A[i * n + i];
  }
  return { rows: n, cols: m, data: X };
}

export interface SymmetricEigen {
  /** Eigenvalues in descending order. */
  values: Float64Array;
  /** Eigenvectors as columns (n×n), column j belongs to values[j]. */
  vectors: Matrix;
}

/**
 * Eigendecomposition of a symmetric matrix: Householder tridiagonalisation then implicit QL
 * (the EISPACK tred2/tql2 pair as in JAMA). O(n³), stable; only the lower triangle is read.
 */
export function symmetricEigen(a: Matrix): SymmetricEigen {
  const n = a.rows;
  if (a.cols !== n) throw new Error('symmetricEigen: matrix is not square');
  // V holds the matrix (row-major n×n), becomes the eigenvectors; d diagonal, e off-diagonal.
  const V = Float64Array.from(a.data);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) V[j * n + i] = V[i * n + j];
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Both steps work on the transposed eigenvector matrix so their inner loops run along contiguous rows.
  const W = V;
  tred2(n, W, d, e);
  tql2(n, W, d, e);
  // Sort descending.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x]);
  const values = new Float64Array(n);
  const vectors = matrix(n, n);
  for (let c = 0; c < n; c++) {
    const src = order[c];
    values[c] = d[src];
    for (let r = 0; r < n; r++) vectors.data[r * n + c] = W[src * n + r];
  }
  return { values, vectors };
}

/** Works on the transposed storage (reads V[j][k] as V[k*n+j]) so inner loops run along rows; output is the transformation matrix transposed. */
function tred2(n: number, V: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1];
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[i * n + j] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[j * n + k] * d[k];
          e[k] += V[j * n + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[j * n + k] -= f * e[k] + g * d[k];
        d[j] = V[j * n + i - 1];
        V[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate transformations.
  for (let i = 0; i < n - 1; i++) {
    V[i * n + n - 1] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[(i + 1) * n + k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[(i + 1) * n + k] * V[j * n + k];
        for (let k = 0; k <= i; k++) V[j * n + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + n - 1];
    V[j * n + n - 1] = 0;
  }
  if (n > 0) V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** W holds the eigenvector matrix transposed (row i = eigenvector i). */
function tql2(n: number, W: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) throw new Error('symmetricEigen: QL did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const ri = i * n;
          const rj = ri + n;
          for (let k = 0; k < n; k++) {
            h = W[rj + k];
            W[rj + k] = s * W[ri + k] + c * h;
            W[ri + k] = c * W[ri + k] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** A = Q T Qᵀ with T symmetric tridiagonal and Q orthogonal (see `tridiagonalize`). */
export interface Tridiagonal {
  /** Diagonal of T (n). */
  diag: Float64Array;
  /** Sub-diagonal of T: off[k] = T[k+1, k] (n − 1). */
  off: Float64Array;
  /** Q, n × n row-major. */
  q: Float64Array;
}

/**
 * Householder tridiagonalisation of a symmetric matrix (LAPACK dsytd2 + dorgtr, on the full matrix so every
 * inner loop runs along a contiguous row): 2n³ + 4n³/3 flops, about a third of a full eigendecomposition.
 * Enough for anything that needs (A + αI)⁻¹ for many α (ridge), since T + αI is solved in O(n).
 * The row loops live in small top-level kernels so V8 optimises them once and reuses them on every call.
 */
export function tridiagonalize(a: Matrix): Tridiagonal {
  const n = a.rows;
  if (a.cols !== n) throw new Error('tridiagonalize: matrix is not square');
  const w = wasm();
  if (!w) return tridiagonalizeJs(a);
  const [A, diag, off, tau, v, wv, y, q, u] = wasmViews(w, [n * n, n, n, n, n, n, n, n * n, n]);
  A.set(a.data);
  w.tridiagonalize(A.byteOffset, n, diag.byteOffset, off.byteOffset, tau.byteOffset, v.byteOffset, wv.byteOffset, y.byteOffset, q.byteOffset, u.byteOffset);
  return { diag: diag.slice(), off: off.slice(0, Math.max(n - 1, 0)), q: q.slice() };
}

function tridiagonalizeJs(a: Matrix): Tridiagonal {
  const n = a.rows;
  const A = Float64Array.from(a.data);
  const diag = new Float64Array(n);
  const off = new Float64Array(Math.max(n - 1, 0));
  const tau = new Float64Array(n);
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  const y = new Float64Array(n); // A'v for the current step, formed during the previous step's update
  let haveY = false;
  let active = n > 2 && householderRow(A, n, 0, diag, off, tau);
  for (let k = 0; k < n - 2; k++) {
    if (!active) {
      haveY = false;
      active = k + 1 < n - 2 && householderRow(A, n, k + 1, diag, off, tau);
      continue;
    }
    const t = tau[k];
    v[k + 1] = 1;
    v.set(A.subarray(k * n + k + 2, k * n + n), k + 2);
    if (!haveY) for (let r = k + 1; r < n; r++) y[r] = dotRow(A, r * n, v, k + 1, n);
    // Trailing block A' ← H A' H = A' − v wᵀ − w vᵀ with w = τ A'v − (τ²/2)(vᵀA'v) v.
    let yv = 0;
    for (let r = k + 1; r < n; r++) {
      w[r] = t * y[r];
      yv += w[r] * v[r];
    }
    const half = 0.5 * t * yv;
    for (let r = k + 1; r < n; r++) w[r] -= half * v[r];
    // Row k+1 first: the next reflector comes from it.
    rank2Row(A, (k + 1) * n, v, w, v[k + 1], w[k + 1], k + 1, n);
    const next = k + 1 < n - 2 && householderRow(A, n, k + 1, diag, off, tau);
    // The other rows (columns k+2..; column k+1 is never read again). When there is a next reflector, form its
    // A'v in the same pass, so the trailing block is read once per step.
    for (let r = k + 2; r < n; r++) {
      if (next) y[r] = rank2RowDot(A, r * n, v, w, v[r], w[r], A, (k + 1) * n, k + 2, n);
      else rank2Row(A, r * n, v, w, v[r], w[r], k + 2, n);
    }
    haveY = next;
    active = next;
  }
  if (n >= 2) {
    diag[n - 2] = A[(n - 2) * n + n - 2];
    off[n - 2] = A[(n - 2) * n + n - 1]; // row n−2 holds the updated values (lower parts are left stale)
  }
  if (n >= 1) diag[n - 1] = A[n * n - 1];
  // Q = H_0 H_1 … H_{n−3}, accumulated backwards: H_k only touches the trailing block, still identity elsewhere.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const u = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    const rk = k * n;
    A[rk + k + 1] = 1; // v[k+1]
    u.fill(0, k + 1, n);
    for (let r = k + 1; r < n; r++) axpyRow(u, 0, A[rk + r], q, r * n, k + 1, n);
    for (let r = k + 1; r < n; r++) axpyRow(q, r * n, -t * A[rk + r], u, 0, k + 1, n);
  }
  return { diag, off, q };
}

/** Householder reflector for row k (zeroes A[k, k+2..]); stores v (v[k+1] = 1 implicit) over A[k, k+2..]. False when nothing to zero. */
function householderRow(A: Float64Array, n: number, k: number, diag: Float64Array, off: Float64Array, tau: Float64Array): boolean {
  const rk = k * n;
  diag[k] = A[rk + k];
  const alpha = A[rk + k + 1];
  let sigma = 0;
  for (let c = k + 2; c < n; c++) sigma += A[rk + c] * A[rk + c];
  if (sigma === 0) {
    off[k] = alpha;
    tau[k] = 0;
    return false;
  }
  const norm = Math.sqrt(alpha * alpha + sigma);
  const beta = alpha > 0 ? -norm : norm;
  const scale = 1 / (alpha - beta);
  off[k] = beta;
  tau[k] = (beta - alpha) / beta;
  for (let c = k + 2; c < n; c++) A[rk + c] *= scale;
  return true;
}

/** Σ A[row + c]·v[c] for c in [from, to). */
function dotRow(A: Float64Array, row: number, v: Float64Array, from: number, to: number): number {
  let s0 = 0;
  let s1 = 0;
  let c = from;
  for (; c + 1 < to; c += 2) {
    s0 += A[row + c] * v[c];
    s1 += A[row + c + 1] * v[c + 1];
  }
  if (c < to) s0 += A[row + c] * v[c];
  return s0 + s1;
}

/** A[row + c] −= vr·w[c] + wr·v[c] for c in [from, to). */
function rank2Row(A: Float64Array, row: number, v: Float64Array, w: Float64Array, vr: number, wr: number, from: number, to: number): void {
  for (let c = from; c < to; c++) A[row + c] -= vr * w[c] + wr * v[c];
}

/** rank2Row, returning the updated row's dot with the next reflector (stored at next[nextRow + from + 1 ..], its first entry 1). */
function rank2RowDot(A: Float64Array, row: number, v: Float64Array, w: Float64Array, vr: number, wr: number, next: Float64Array, nextRow: number, from: number, to: number): number {
  let a = A[row + from] - vr * w[from] - wr * v[from];
  A[row + from] = a;
  let s = a;
  for (let c = from + 1; c < to; c++) {
    a = A[row + c] - vr * w[c] - wr * v[c];
    A[row + c] = a;
    s += a * next[nextRow + c];
  }
  return s;
}

/** dst[dstRow + c] += f·src[srcRow + c] for c in [from, to). */
function axpyRow(dst: Float64Array, dstRow: number, f: number, src: Float64Array, srcRow: number, from: number, to: number): void {
  if (f === 0) return;
  for (let c = from; c < to; c++) dst[dstRow + c] += f * src[srcRow + c];
}

/** LDLᵀ factors of a shifted symmetric tridiagonal T + αI: pivots d and multipliers l (l[k] multiplies row k−1 into row k; l[0] unused). */
export interface ShiftedFactors {
  d: Float64Array;
  l: Float64Array;
}

/** Z = (T + αI)⁻¹ R in place, R: m × t row-major. */
export function solveShifted(f: ShiftedFactors, r: Float64Array, t: number): void {
  const m = f.d.length;
  for (let k = 1; k < m; k++) for (let j = 0; j < t; j++) r[k * t + j] -= f.l[k] * r[(k - 1) * t + j];
  for (let k = 0; k < m; k++) for (let j = 0; j < t; j++) r[k * t + j] /= f.d[k];
  for (let k = m - 2; k >= 0; k--) for (let j = 0; j < t; j++) r[k * t + j] -= f.l[k + 1] * r[(k + 1) * t + j];
}

/** d and l of every factor set side by side (count × m each), for the kernels. */
function packFactors(fs: readonly ShiftedFactors[], d: Float64Array, l: Float64Array, m: number): void {
  fs.forEach((f, a) => {
    d.set(f.d, a * m);
    l.set(f.l, a * m);
  });
}

/**
 * `solveShifted` for many shifts of one tridiagonal (ridge's alpha grid), transposed and stacked: rows
 * a·t … a·t + t − 1 of the result are ((T + α_a I)⁻¹ R)ᵀ. R: m × t; result (count·t) × m.
 */
export function solveShiftedStacked(fs: readonly ShiftedFactors[], r: Matrix): Matrix {
  const { rows: m, cols: t } = r;
  const count = fs.length;
  const out = matrix(count * t, m);
  const w = wasm();
  if (w) {
    const [R, D, L, Z, O] = wasmViews(w, [m * t, count * m, count * m, m * t, count * t * m]);
    R.set(r.data);
    packFactors(fs, D, L, m);
    w.solveShiftedStacked(R.byteOffset, m, t, D.byteOffset, L.byteOffset, count, Z.byteOffset, O.byteOffset);
    out.data.set(O);
    return out;
  }
  const z = new Float64Array(m * t);
  fs.forEach((f, a) => {
    z.set(r.data);
    solveShifted(f, z, t);
    const base = a * t * m;
    for (let k = 0; k < m; k++) for (let j = 0; j < t; j++) out.data[base + j * m + k] = z[k * t + j];
  });
  return out;
}

/**
 * diag(B (T + αI)⁻¹ Bᵀ) for many shifts (row a of the result, count × n), given Bᵀ (m × n):
 * Gᵢᵢ = Σₖ (L⁻¹ Bᵀ)ₖᵢ² / dₖ, one forward sweep over the rows of Bᵀ, shared by all shifts.
 */
export function shiftedHatDiagonals(fs: readonly ShiftedFactors[], bt: Matrix): Matrix {
  const { rows: m, cols: n } = bt;
  const count = fs.length;
  const out = matrix(count, n);
  const w = wasm();
  if (w) {
    const [B, D, L, rows, G] = wasmViews(w, [m * n, count * m, count * m, count * n, count * n]);
    B.set(bt.data);
    packFactors(fs, D, L, m);
    w.shiftedHatDiagonals(B.byteOffset, m, n, D.byteOffset, L.byteOffset, count, rows.byteOffset, G.byteOffset);
    out.data.set(G);
    return out;
  }
  const row = new Float64Array(n);
  fs.forEach((f, a) => {
    const g = out.data.subarray(a * n, (a + 1) * n);
    row.fill(0);
    for (let k = 0; k < m; k++) {
      const src = k * n;
      const lk = k > 0 ? f.l[k] : 0; // row is all zeros before the first step
      const inv = 1 / f.d[k];
      for (let i = 0; i < n; i++) {
        const u = bt.data[src + i] - lk * row[i];
        row[i] = u;
        g[i] += u * u * inv;
      }
    }
  });
  return out;
}

/** Double-centre a kernel in place semantics: H K H with H = I - 11ᵀ/n (returns a new matrix). */
export function centerKernel(k: Matrix): Matrix {
  const n = k.rows;
  const rowMean = new Float64Array(n);
  let grand = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += k.data[i * n + j];
    rowMean[i] = s / n;
    grand += s;
  }
  grand /= n * n;
  const out = matrix(n, n);
  // K is symmetric, so column means equal row means.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.data[i * n + j] = k.data[i * n + j] - rowMean[i] - rowMean[j] + grand;
  return out;
}

/**
 * Centre a cross-kernel K*[a, i] = x*_a · x_i (test × train) with the training mean:
 * (x*_a - m)·(x_i - m) = K*[a,i] - mean_j K*[a,j] - mean_j K[i,j] + mean_jk K[j,k].
 */
export function centerCrossKernel(cross: Matrix, trainKernel: Matrix): Matrix {
  const n = trainKernel.rows;
  const trainRowMean = new Float64Array(n);
  let grand = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += trainKernel.data[i * n + j];
    trainRowMean[i] = s / n;
    grand += s;
  }
  grand /= n * n;
  const out = matrix(cross.rows, n);
  for (let a = 0; a < cross.rows; a++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += cross.data[a * n + j];
    const crossMean = s / n;
    for (let i = 0; i < n; i++) out.data[a * n + i] = cross.data[a * n + i] - crossMean - trainRowMean[i] + grand;
  }
  return out;
}
