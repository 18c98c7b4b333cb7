/**
 * Small dense linear algebra in float64, row-major. Enough for kernel (dual) ridge, PLS, PCA and RSA
 * on stimulus-by-stimulus matrices (n ≤ ~2000). No DOM, runs in workers and Node.
 */
import { UserFacingError } from '../types';

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

/** a @ bᵀ (dot products of rows; used for kernels X Xᵀ and cross-kernels). */
export function matmulTransB(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new Error(`matmulTransB: ${a.rows}×${a.cols} @ (${b.rows}×${b.cols})ᵀ`);
  const out = matrix(a.rows, b.rows);
  const p = a.cols;
  const same = a === b;
  for (let i = 0; i < a.rows; i++) {
    const ai = i * p;
    for (let j = same ? i : 0; j < b.rows; j++) {
      const bj = j * p;
      let s = 0;
      for (let k = 0; k < p; k++) s += a.data[ai + k] * b.data[bj + k];
      out.data[i * b.rows + j] = s;
      if (same) out.data[j * b.rows + i] = s;
    }
  }
  return out;
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
