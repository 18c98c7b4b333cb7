/**
 * AssemblyScript source of the WebAssembly (SIMD, float64) kernels behind src/core/metrics/linalg.ts.
 * Built by `npm run build:wasm` (tools/build-wasm.ts) into ../linalg-wasm.generated.ts. Every pointer is a
 * byte offset into the memory the host passes in; every matrix is row-major float64. Same algorithms and
 * loop orders as the plain-JS versions in linalg.ts, which stay as the fallback.
 */

/** out[i·bRows + j] += a_i · b_j for rows of a (aRows × p) and b (bRows × p); with `lower`, only j ≤ i. */
export function rowDots(a: usize, aRows: i32, b: usize, bRows: i32, p: i32, out: usize, lower: bool): void {
  const stride = (<usize>p) << 3;
  const pv = p & ~1;
  for (let i = 0; i < aRows; i += 4) {
    const rows = min(4, aRows - i);
    // Rows past the end alias the last row; their sums are discarded.
    const a0 = a + <usize>i * stride;
    const a1 = a + <usize>(i + min(1, rows - 1)) * stride;
    const a2 = a + <usize>(i + min(2, rows - 1)) * stride;
    const a3 = a + <usize>(i + min(3, rows - 1)) * stride;
    const jEnd = lower ? min(bRows, i + 4) : bRows;
    for (let j = 0; j < jEnd; j += 2) {
      const b0 = b + <usize>j * stride;
      const b1 = b + <usize>(j + 1 < bRows ? j + 1 : j) * stride;
      let s00 = f64x2.splat(0);
      let s01 = f64x2.splat(0);
      let s10 = f64x2.splat(0);
      let s11 = f64x2.splat(0);
      let s20 = f64x2.splat(0);
      let s21 = f64x2.splat(0);
      let s30 = f64x2.splat(0);
      let s31 = f64x2.splat(0);
      for (let f = 0; f < pv; f += 2) {
        const o = (<usize>f) << 3;
        const u = v128.load(b0 + o);
        const v = v128.load(b1 + o);
        const x0 = v128.load(a0 + o);
        const x1 = v128.load(a1 + o);
        const x2 = v128.load(a2 + o);
        const x3 = v128.load(a3 + o);
        s00 = f64x2.add(s00, f64x2.mul(x0, u));
        s01 = f64x2.add(s01, f64x2.mul(x0, v));
        s10 = f64x2.add(s10, f64x2.mul(x1, u));
        s11 = f64x2.add(s11, f64x2.mul(x1, v));
        s20 = f64x2.add(s20, f64x2.mul(x2, u));
        s21 = f64x2.add(s21, f64x2.mul(x2, v));
        s30 = f64x2.add(s30, f64x2.mul(x3, u));
        s31 = f64x2.add(s31, f64x2.mul(x3, v));
      }
      let t00 = sum2(s00);
      let t01 = sum2(s01);
      let t10 = sum2(s10);
      let t11 = sum2(s11);
      let t20 = sum2(s20);
      let t21 = sum2(s21);
      let t30 = sum2(s30);
      let t31 = sum2(s31);
      if (pv < p) {
        const o = (<usize>pv) << 3;
        const u = load<f64>(b0 + o);
        const v = load<f64>(b1 + o);
        const x0 = load<f64>(a0 + o);
        const x1 = load<f64>(a1 + o);
        const x2 = load<f64>(a2 + o);
        const x3 = load<f64>(a3 + o);
        t00 += x0 * u;
        t01 += x0 * v;
        t10 += x1 * u;
        t11 += x1 * v;
        t20 += x2 * u;
        t21 += x2 * v;
        t30 += x3 * u;
        t31 += x3 * v;
      }
      put(out, bRows, i, j, rows, lower, 0, 0, t00);
      put(out, bRows, i, j, rows, lower, 0, 1, t01);
      put(out, bRows, i, j, rows, lower, 1, 0, t10);
      put(out, bRows, i, j, rows, lower, 1, 1, t11);
      put(out, bRows, i, j, rows, lower, 2, 0, t20);
      put(out, bRows, i, j, rows, lower, 2, 1, t21);
      put(out, bRows, i, j, rows, lower, 3, 0, t30);
      put(out, bRows, i, j, rows, lower, 3, 1, t31);
    }
  }
}

// @ts-ignore: decorator
@inline function sum2(s: v128): f64 {
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

// @ts-ignore: decorator
@inline function put(out: usize, bRows: i32, i: i32, j: i32, rows: i32, lower: bool, r: i32, c: i32, s: f64): void {
  if (r >= rows || j + c >= bRows || (lower && j + c > i + r)) return;
  const ptr = out + ((<usize>(i + r) * <usize>bRows + <usize>(j + c)) << 3);
  store<f64>(ptr, load<f64>(ptr) + s);
}

// @ts-ignore: decorator
@inline function at(base: usize, index: i32): usize {
  return base + ((<usize>index) << 3);
}

/**
 * Householder tridiagonalisation A = Q T Qᵀ of the full symmetric n × n matrix at `a` (overwritten), as
 * linalg.ts `tridiagonalize`: diag (n), off (n−1), q (n × n) out; tau, v, w, y, u: n-long scratch.
 */
export function tridiagonalize(a: usize, n: i32, diag: usize, off: usize, tau: usize, v: usize, w: usize, y: usize, q: usize, u: usize): void {
  let haveY = false;
  let active = n > 2 && householderRow(a, n, 0, diag, off, tau);
  for (let k = 0; k < n - 2; k++) {
    if (!active) {
      haveY = false;
      active = k + 1 < n - 2 && householderRow(a, n, k + 1, diag, off, tau);
      continue;
    }
    const rk = k * n;
    const t = load<f64>(at(tau, k));
    store<f64>(at(v, k + 1), 1);
    for (let c = k + 2; c < n; c++) store<f64>(at(v, c), load<f64>(at(a, rk + c)));
    if (!haveY) for (let r = k + 1; r < n; r++) store<f64>(at(y, r), dotRow(at(a, r * n), v, k + 1, n));
    let yv: f64 = 0;
    for (let r = k + 1; r < n; r++) {
      const wr = t * load<f64>(at(y, r));
      store<f64>(at(w, r), wr);
      yv += wr * load<f64>(at(v, r));
    }
    const half = 0.5 * t * yv;
    for (let r = k + 1; r < n; r++) store<f64>(at(w, r), load<f64>(at(w, r)) - half * load<f64>(at(v, r)));
    const r1 = (k + 1) * n;
    rank2Row(at(a, r1), v, w, load<f64>(at(v, k + 1)), load<f64>(at(w, k + 1)), k + 1, n);
    const next = k + 1 < n - 2 && householderRow(a, n, k + 1, diag, off, tau);
    let r = k + 2;
    if (next) {
      // Two rows per pass: v, w and the next reflector are loaded once for both.
      for (; r + 1 < n; r += 2) rank2RowDot2(at(a, r * n), at(a, (r + 1) * n), v, w, r, at(a, r1), at(y, r), k + 2, n);
    }
    for (; r < n; r++) {
      const row = at(a, r * n);
      const vr = load<f64>(at(v, r));
      const wr = load<f64>(at(w, r));
      if (next) store<f64>(at(y, r), rank2RowDot(row, v, w, vr, wr, at(a, r1), k + 2, n));
      else rank2Row(row, v, w, vr, wr, k + 2, n);
    }
    haveY = next;
    active = next;
  }
  if (n >= 2) {
    store<f64>(at(diag, n - 2), load<f64>(at(a, (n - 2) * n + n - 2)));
    store<f64>(at(off, n - 2), load<f64>(at(a, (n - 2) * n + n - 1)));
  }
  if (n >= 1) store<f64>(at(diag, n - 1), load<f64>(at(a, n * n - 1)));
  memory.fill(q, 0, (<usize>n * <usize>n) << 3);
  for (let i = 0; i < n; i++) store<f64>(at(q, i * n + i), 1);
  for (let k = n - 3; k >= 0; k--) {
    const t = load<f64>(at(tau, k));
    if (t == 0) continue;
    const rk = k * n;
    store<f64>(at(a, rk + k + 1), 1);
    memory.fill(at(u, k + 1), 0, (<usize>(n - k - 1)) << 3);
    // u = vᵀ Q and Q −= τ v uᵀ, four rows of Q per pass (rows with a zero factor are skipped, as one at a time).
    let r = k + 1;
    for (; r + 3 < n; r += 4) {
      const f0 = load<f64>(at(a, rk + r));
      const f1 = load<f64>(at(a, rk + r + 1));
      const f2 = load<f64>(at(a, rk + r + 2));
      const f3 = load<f64>(at(a, rk + r + 3));
      if (f0 != 0 && f1 != 0 && f2 != 0 && f3 != 0) axpy4(u, f0, f1, f2, f3, at(q, r * n), n, k + 1, n);
      else {
        axpyRow(u, f0, at(q, r * n), k + 1, n);
        axpyRow(u, f1, at(q, (r + 1) * n), k + 1, n);
        axpyRow(u, f2, at(q, (r + 2) * n), k + 1, n);
        axpyRow(u, f3, at(q, (r + 3) * n), k + 1, n);
      }
    }
    for (; r < n; r++) axpyRow(u, load<f64>(at(a, rk + r)), at(q, r * n), k + 1, n);
    r = k + 1;
    for (; r + 3 < n; r += 4) {
      const f0 = -t * load<f64>(at(a, rk + r));
      const f1 = -t * load<f64>(at(a, rk + r + 1));
      const f2 = -t * load<f64>(at(a, rk + r + 2));
      const f3 = -t * load<f64>(at(a, rk + r + 3));
      if (f0 != 0 && f1 != 0 && f2 != 0 && f3 != 0) rowsAxpy4(at(q, r * n), n, f0, f1, f2, f3, u, k + 1, n);
      else {
        axpyRow(at(q, r * n), f0, u, k + 1, n);
        axpyRow(at(q, (r + 1) * n), f1, u, k + 1, n);
        axpyRow(at(q, (r + 2) * n), f2, u, k + 1, n);
        axpyRow(at(q, (r + 3) * n), f3, u, k + 1, n);
      }
    }
    for (; r < n; r++) axpyRow(at(q, r * n), -t * load<f64>(at(a, rk + r)), u, k + 1, n);
  }
}

/** `rank2RowDot` on rows r and r + 1 (at row0, row1) in one pass; their dots go to y[0] and y[1]. Same operations per row. */
function rank2RowDot2(row0: usize, row1: usize, v: usize, w: usize, r: i32, next: usize, y: usize, from: i32, to: i32): void {
  const vr0 = load<f64>(at(v, r));
  const wr0 = load<f64>(at(w, r));
  const vr1 = load<f64>(at(v, r + 1));
  const wr1 = load<f64>(at(w, r + 1));
  const wf = load<f64>(at(w, from));
  const vf = load<f64>(at(v, from));
  const b0 = load<f64>(at(row0, from)) - vr0 * wf - wr0 * vf;
  const b1 = load<f64>(at(row1, from)) - vr1 * wf - wr1 * vf;
  store<f64>(at(row0, from), b0);
  store<f64>(at(row1, from), b1);
  let s0: f64 = b0;
  let s1: f64 = b1;
  const VR0 = f64x2.splat(vr0);
  const WR0 = f64x2.splat(wr0);
  const VR1 = f64x2.splat(vr1);
  const WR1 = f64x2.splat(wr1);
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let c = from + 1;
  for (; c + 1 < to; c += 2) {
    const W = v128.load(at(w, c));
    const V = v128.load(at(v, c));
    const N = v128.load(at(next, c));
    const p0 = at(row0, c);
    const p1 = at(row1, c);
    const x0 = f64x2.sub(v128.load(p0), f64x2.add(f64x2.mul(VR0, W), f64x2.mul(WR0, V)));
    const x1 = f64x2.sub(v128.load(p1), f64x2.add(f64x2.mul(VR1, W), f64x2.mul(WR1, V)));
    v128.store(p0, x0);
    v128.store(p1, x1);
    acc0 = f64x2.add(acc0, f64x2.mul(x0, N));
    acc1 = f64x2.add(acc1, f64x2.mul(x1, N));
  }
  s0 += sum2(acc0);
  s1 += sum2(acc1);
  if (c < to) {
    const wc = load<f64>(at(w, c));
    const vc = load<f64>(at(v, c));
    const nc = load<f64>(at(next, c));
    const x0 = load<f64>(at(row0, c)) - vr0 * wc - wr0 * vc;
    const x1 = load<f64>(at(row1, c)) - vr1 * wc - wr1 * vc;
    store<f64>(at(row0, c), x0);
    store<f64>(at(row1, c), x1);
    s0 += x0 * nc;
    s1 += x1 * nc;
  }
  store<f64>(y, s0);
  store<f64>(at(y, 1), s1);
}

/** dst[c] += f0·s0[c], then f1·s1[c], f2·s2[c], f3·s3[c] (rows s0 … s3 `stride` apart), as four `axpyRow` calls in one pass. */
function axpy4(dst: usize, f0: f64, f1: f64, f2: f64, f3: f64, src: usize, stride: i32, from: i32, to: i32): void {
  const s0 = src;
  const s1 = at(src, stride);
  const s2 = at(src, 2 * stride);
  const s3 = at(src, 3 * stride);
  const F0 = f64x2.splat(f0);
  const F1 = f64x2.splat(f1);
  const F2 = f64x2.splat(f2);
  const F3 = f64x2.splat(f3);
  let c = from;
  for (; c + 1 < to; c += 2) {
    const p = at(dst, c);
    let x = f64x2.add(v128.load(p), f64x2.mul(F0, v128.load(at(s0, c))));
    x = f64x2.add(x, f64x2.mul(F1, v128.load(at(s1, c))));
    x = f64x2.add(x, f64x2.mul(F2, v128.load(at(s2, c))));
    x = f64x2.add(x, f64x2.mul(F3, v128.load(at(s3, c))));
    v128.store(p, x);
  }
  if (c < to) {
    let x = load<f64>(at(dst, c)) + f0 * load<f64>(at(s0, c));
    x += f1 * load<f64>(at(s1, c));
    x += f2 * load<f64>(at(s2, c));
    x += f3 * load<f64>(at(s3, c));
    store<f64>(at(dst, c), x);
  }
}

/** Rows d0 … d3 (`stride` apart) += f_i·src[c], as four `axpyRow` calls sharing the loads of src. */
function rowsAxpy4(dst: usize, stride: i32, f0: f64, f1: f64, f2: f64, f3: f64, src: usize, from: i32, to: i32): void {
  const d0 = dst;
  const d1 = at(dst, stride);
  const d2 = at(dst, 2 * stride);
  const d3 = at(dst, 3 * stride);
  const F0 = f64x2.splat(f0);
  const F1 = f64x2.splat(f1);
  const F2 = f64x2.splat(f2);
  const F3 = f64x2.splat(f3);
  let c = from;
  for (; c + 1 < to; c += 2) {
    const S = v128.load(at(src, c));
    const p0 = at(d0, c);
    const p1 = at(d1, c);
    const p2 = at(d2, c);
    const p3 = at(d3, c);
    v128.store(p0, f64x2.add(v128.load(p0), f64x2.mul(F0, S)));
    v128.store(p1, f64x2.add(v128.load(p1), f64x2.mul(F1, S)));
    v128.store(p2, f64x2.add(v128.load(p2), f64x2.mul(F2, S)));
    v128.store(p3, f64x2.add(v128.load(p3), f64x2.mul(F3, S)));
  }
  if (c < to) {
    const sc = load<f64>(at(src, c));
    store<f64>(at(d0, c), load<f64>(at(d0, c)) + f0 * sc);
    store<f64>(at(d1, c), load<f64>(at(d1, c)) + f1 * sc);
    store<f64>(at(d2, c), load<f64>(at(d2, c)) + f2 * sc);
    store<f64>(at(d3, c), load<f64>(at(d3, c)) + f3 * sc);
  }
}

function householderRow(a: usize, n: i32, k: i32, diag: usize, off: usize, tau: usize): bool {
  const rk = k * n;
  store<f64>(at(diag, k), load<f64>(at(a, rk + k)));
  const alpha = load<f64>(at(a, rk + k + 1));
  let sigma: f64 = 0;
  for (let c = k + 2; c < n; c++) {
    const x = load<f64>(at(a, rk + c));
    sigma += x * x;
  }
  if (sigma == 0) {
    store<f64>(at(off, k), alpha);
    store<f64>(at(tau, k), 0);
    return false;
  }
  const norm = Math.sqrt(alpha * alpha + sigma);
  const beta = alpha > 0 ? -norm : norm;
  const scale = 1 / (alpha - beta);
  store<f64>(at(off, k), beta);
  store<f64>(at(tau, k), (beta - alpha) / beta);
  for (let c = k + 2; c < n; c++) store<f64>(at(a, rk + c), load<f64>(at(a, rk + c)) * scale);
  return true;
}

/** Σ row[c]·v[c] for c in [from, to). */
function dotRow(row: usize, v: usize, from: i32, to: i32): f64 {
  let s = f64x2.splat(0);
  let c = from;
  for (; c + 1 < to; c += 2) s = f64x2.add(s, f64x2.mul(v128.load(at(row, c)), v128.load(at(v, c))));
  let r = sum2(s);
  if (c < to) r += load<f64>(at(row, c)) * load<f64>(at(v, c));
  return r;
}

/** row[c] −= vr·w[c] + wr·v[c] for c in [from, to). */
function rank2Row(row: usize, v: usize, w: usize, vr: f64, wr: f64, from: i32, to: i32): void {
  const VR = f64x2.splat(vr);
  const WR = f64x2.splat(wr);
  let c = from;
  for (; c + 1 < to; c += 2) {
    const p = at(row, c);
    v128.store(p, f64x2.sub(v128.load(p), f64x2.add(f64x2.mul(VR, v128.load(at(w, c))), f64x2.mul(WR, v128.load(at(v, c))))));
  }
  if (c < to) store<f64>(at(row, c), load<f64>(at(row, c)) - (vr * load<f64>(at(w, c)) + wr * load<f64>(at(v, c))));
}

/** rank2Row over [from, to), returning the updated row's dot with `next` (whose entry at `from` counts as 1). */
function rank2RowDot(row: usize, v: usize, w: usize, vr: f64, wr: f64, next: usize, from: i32, to: i32): f64 {
  let a0 = load<f64>(at(row, from)) - vr * load<f64>(at(w, from)) - wr * load<f64>(at(v, from));
  store<f64>(at(row, from), a0);
  let s: f64 = a0;
  const VR = f64x2.splat(vr);
  const WR = f64x2.splat(wr);
  let acc = f64x2.splat(0);
  let c = from + 1;
  for (; c + 1 < to; c += 2) {
    const p = at(row, c);
    const x = f64x2.sub(v128.load(p), f64x2.add(f64x2.mul(VR, v128.load(at(w, c))), f64x2.mul(WR, v128.load(at(v, c)))));
    v128.store(p, x);
    acc = f64x2.add(acc, f64x2.mul(x, v128.load(at(next, c))));
  }
  s += sum2(acc);
  if (c < to) {
    const x = load<f64>(at(row, c)) - vr * load<f64>(at(w, c)) - wr * load<f64>(at(v, c));
    store<f64>(at(row, c), x);
    s += x * load<f64>(at(next, c));
  }
  return s;
}

/** dst[c] += f·src[c] for c in [from, to). */
function axpyRow(dst: usize, f: f64, src: usize, from: i32, to: i32): void {
  if (f == 0) return;
  const F = f64x2.splat(f);
  let c = from;
  for (; c + 1 < to; c += 2) {
    const p = at(dst, c);
    v128.store(p, f64x2.add(v128.load(p), f64x2.mul(F, v128.load(at(src, c)))));
  }
  if (c < to) store<f64>(at(dst, c), load<f64>(at(dst, c)) + f * load<f64>(at(src, c)));
}

/**
 * Solves with shifted tridiagonals for ridge's alpha grid, as linalg.ts `solveShiftedStacked`: for each of
 * `count` LDLᵀ factor sets (pivots d and multipliers l, count × m each), Z = (T + αI)⁻¹ R with R (m × t) at `r`,
 * written transposed to rows a·t … a·t + t − 1 of `out` ((count·t) × m). `z`: m × t scratch. The sweeps run
 * along rows of R (two targets per SIMD lane pair), with the same operations per entry as the plain-JS solve.
 */
export function solveShiftedStacked(r: usize, m: i32, t: i32, d: usize, l: usize, count: i32, z: usize, out: usize): void {
  const tv = t & ~1;
  const rowBytes = (<usize>t) << 3;
  for (let a = 0; a < count; a++) {
    memory.copy(z, r, <usize>m * rowBytes);
    const da = at(d, a * m);
    const la = at(l, a * m);
    for (let k = 1; k < m; k++) {
      const lk = load<f64>(at(la, k));
      const L = f64x2.splat(lk);
      const row = z + <usize>k * rowBytes;
      const prev = row - rowBytes;
      let j = 0;
      for (; j < tv; j += 2) v128.store(at(row, j), f64x2.sub(v128.load(at(row, j)), f64x2.mul(L, v128.load(at(prev, j)))));
      if (j < t) store<f64>(at(row, j), load<f64>(at(row, j)) - lk * load<f64>(at(prev, j)));
    }
    for (let k = 0; k < m; k++) {
      const dk = load<f64>(at(da, k));
      const D = f64x2.splat(dk);
      const row = z + <usize>k * rowBytes;
      let j = 0;
      for (; j < tv; j += 2) v128.store(at(row, j), f64x2.div(v128.load(at(row, j)), D));
      if (j < t) store<f64>(at(row, j), load<f64>(at(row, j)) / dk);
    }
    for (let k = m - 2; k >= 0; k--) {
      const lk = load<f64>(at(la, k + 1));
      const L = f64x2.splat(lk);
      const row = z + <usize>k * rowBytes;
      const below = row + rowBytes;
      let j = 0;
      for (; j < tv; j += 2) v128.store(at(row, j), f64x2.sub(v128.load(at(row, j)), f64x2.mul(L, v128.load(at(below, j)))));
      if (j < t) store<f64>(at(row, j), load<f64>(at(row, j)) - lk * load<f64>(at(below, j)));
    }
    const block = at(out, a * t * m);
    for (let k = 0; k < m; k++) {
      const row = z + <usize>k * rowBytes;
      for (let j = 0; j < t; j++) store<f64>(at(block, j * m + k), load<f64>(at(row, j)));
    }
  }
}

/**
 * Hat-matrix diagonals for ridge's alpha grid, as linalg.ts `shiftedHatDiagonals`: for each of `count` LDLᵀ
 * factor sets (d, l: count × m), g_a[i] = Σₖ (L⁻¹ Bᵀ)ₖᵢ² / dₖ with Bᵀ (m × n) at `bt`, in one forward sweep over
 * the rows of Bᵀ shared by all sets. `rows`: count × n scratch; `g`: count × n out (overwritten).
 */
export function shiftedHatDiagonals(bt: usize, m: i32, n: i32, d: usize, l: usize, count: i32, rows: usize, g: usize): void {
  const nv = n & ~1;
  const bytes = (<usize>count * <usize>n) << 3;
  memory.fill(rows, 0, bytes);
  memory.fill(g, 0, bytes);
  for (let k = 0; k < m; k++) {
    const src = at(bt, k * n);
    for (let a = 0; a < count; a++) {
      const lk = k > 0 ? load<f64>(at(l, a * m + k)) : 0; // the row is all zeros before the first step
      const inv = 1 / load<f64>(at(d, a * m + k));
      const LK = f64x2.splat(lk);
      const INV = f64x2.splat(inv);
      const row = at(rows, a * n);
      const ga = at(g, a * n);
      let i = 0;
      for (; i < nv; i += 2) {
        const u = f64x2.sub(v128.load(at(src, i)), f64x2.mul(LK, v128.load(at(row, i))));
        v128.store(at(row, i), u);
        v128.store(at(ga, i), f64x2.add(v128.load(at(ga, i)), f64x2.mul(f64x2.mul(u, u), INV)));
      }
      if (i < n) {
        const u = load<f64>(at(src, i)) - lk * load<f64>(at(row, i));
        store<f64>(at(row, i), u);
        store<f64>(at(ga, i), load<f64>(at(ga, i)) + u * u * inv);
      }
    }
  }
}
