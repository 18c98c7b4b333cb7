/**
 * The WebAssembly (SIMD) linear-algebra kernels: the generated module matches its AssemblyScript source, Node
 * runs them (so every metrics test here exercises them), and they agree with the plain-JS fallback.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gram, matmulTransB, matrix, residentSquare, shiftedHatDiagonals, solveShiftedStacked, tridiagonalize, useWasmKernels, wasmKernelsActive, type Matrix, type ShiftedFactors } from '../../src/core/metrics/linalg';
import { fitKernelPls } from '../../src/core/metrics/pls';
import { crossValidatedPredictivity } from '../../src/core/metrics/crossval';
import { gaussian, seededRandom } from '../../src/core/metrics/stats';
import { compileLinalgWasm, generatedModule, WASM_MODULE } from '../../tools/build-wasm';

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rand = seededRandom(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => gaussian(rand)));
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

/** Runs f with the WebAssembly kernels and with the plain-JS ones. */
function both<T>(f: () => T): { wasm: T; js: T } {
  useWasmKernels(true);
  const wasm = f();
  useWasmKernels(false);
  const js = f();
  useWasmKernels(true);
  return { wasm, js };
}

describe('WebAssembly linear-algebra kernels', () => {
  afterAll(() => useWasmKernels(true));

  it('the generated module is built from the current AssemblyScript source', async () => {
    const committed = readFileSync(join(import.meta.dirname, '../..', WASM_MODULE), 'utf8');
    expect(committed).toBe(generatedModule(await compileLinalgWasm()));
  }, 60_000);

  it('are active in Node', () => {
    expect(wasmKernelsActive()).toBe(true);
  });

  it('a problem too big for WebAssembly memory (4 GiB) is a clear error, and the kernels keep working', () => {
    expect(() => residentSquare(new Float64Array(0), 25_000)).toThrow(/Not enough memory for this computation \(4769 MiB/);
    const k = gram(Float64Array.from([1, 2, 3, 4]), 2, 2);
    expect(Array.from(k.data)).toEqual([5, 11, 11, 25]);
  });

  it('agree with the plain-JS kernels: Gram (odd sizes), cross products, tridiagonalisation, cross-validated ridge', () => {
    for (const [n, p] of [[1, 1], [5, 3], [33, 1027], [70, 9]]) {
      const x = randomMatrix(n, p, n * 31 + p);
      const f32 = Float32Array.from(x.data);
      const g = both(() => gram(f32, n, p));
      expect(maxRelDiff(g.wasm.data, g.js.data)).toBeLessThan(1e-13);
      const b = randomMatrix(7, p, 5);
      const c = both(() => matmulTransB(x, b));
      expect(maxRelDiff(c.wasm.data, c.js.data)).toBeLessThan(1e-13);
      // Distinct eigenvalues, so Q is determined (within a repeated eigenvalue's space it depends on rounding).
      const s = matrix(n, n, g.js.data);
      for (let i = 0; i < n; i++) s.data[i * n + i] += p * (1 + i);
      const t = both(() => tridiagonalize(s));
      expect(maxRelDiff(t.wasm.diag, t.js.diag)).toBeLessThan(1e-10); // summation order differs (SIMD pairs)
      expect(maxRelDiff(t.wasm.off, t.js.off)).toBeLessThan(1e-10);
      expect(maxRelDiff(t.wasm.q, t.js.q)).toBeLessThan(1e-10);
    }
    const x = randomMatrix(60, 200, 1);
    const y = randomMatrix(60, 5, 2);
    const cv = both(() => crossValidatedPredictivity(x, y, { method: 'ridge', folds: 5 }));
    expect(maxRelDiff(cv.wasm.predictions.data, cv.js.predictions.data)).toBeLessThan(1e-10);
    expect(cv.wasm.alphas).toEqual(cv.js.alphas);
    // Matrix-vector products with a resident matrix (PLS), updated in place between products.
    const k = gram(x.data, 60, 200);
    const v = Float64Array.from(randomMatrix(1, 60, 9).data);
    const mv = both(() => {
      const r = residentSquare(k.data, 60);
      const out = new Float64Array(60);
      r.times(v, out);
      r.data[61] += 1;
      const again = new Float64Array(60);
      r.times(v, again);
      return { out, again };
    });
    expect(maxRelDiff(mv.wasm.out, mv.js.out)).toBeLessThan(1e-13);
    expect(mv.wasm.again[1] - mv.wasm.out[1]).toBeCloseTo(v[1], 9);
    const pls = both(() => fitKernelPls(k, y, { nComponents: 5 }).dual.data);
    expect(maxRelDiff(pls.wasm, pls.js)).toBeLessThan(1e-9);
  });

  it("ridge's alpha-grid kernels (shifted tridiagonal solves, hat diagonals) equal the plain-JS ones bit for bit and solve the system", () => {
    for (const [m, t, n] of [[1, 1, 2], [9, 3, 10], [40, 7, 41], [31, 50, 32]]) {
      const rand = seededRandom(m * 7 + t);
      const diag = Float64Array.from({ length: m }, () => 2 + rand());
      const off = Float64Array.from({ length: Math.max(m - 1, 0) }, () => rand() - 0.5);
      // LDLᵀ of T + αI, as ridge.ts factors it.
      const fs: ShiftedFactors[] = [0.01, 1, 100].map((alpha) => {
        const d = new Float64Array(m);
        const l = new Float64Array(m);
        for (let k = 0; k < m; k++) {
          if (k === 0) d[0] = diag[0] + alpha;
          else {
            l[k] = off[k - 1] / d[k - 1];
            d[k] = diag[k] + alpha - l[k] * off[k - 1];
          }
        }
        return { d, l };
      });
      const r = randomMatrix(m, t, m + t);
      const z = both(() => solveShiftedStacked(fs, r));
      expect(z.wasm.rows).toBe(3 * t);
      expect(Array.from(z.wasm.data)).toEqual(Array.from(z.js.data));
      // (T + αI) z = r for the middle alpha, target 0.
      const alpha = 1;
      const zj = (k: number) => z.js.data[(1 * t + 0) * m + k];
      for (let k = 0; k < m; k++) {
        const tz = (diag[k] + alpha) * zj(k) + (k > 0 ? off[k - 1] * zj(k - 1) : 0) + (k < m - 1 ? off[k] * zj(k + 1) : 0);
        expect(tz).toBeCloseTo(r.data[k * t], 10);
      }
      const bt = randomMatrix(m, n, n);
      const h = both(() => shiftedHatDiagonals(fs, bt));
      expect(Array.from(h.wasm.data)).toEqual(Array.from(h.js.data));
      // diag(Bᵀᵀ (T + αI)⁻¹ Bᵀ) at column 0 for alpha 100: b0ᵀ (T + αI)⁻¹ b0.
      const b0 = matrix(m, 1, Array.from({ length: m }, (_, k) => bt.data[k * n]));
      const w = solveShiftedStacked([fs[2]], b0).data;
      let quad = 0;
      for (let k = 0; k < m; k++) quad += b0.data[k] * w[k];
      expect(h.js.data[2 * n]).toBeCloseTo(quad, 12);
    }
  });
});
