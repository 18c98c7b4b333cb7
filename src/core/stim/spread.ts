/**
 * Current spread of an intracortical microstimulation train on the cortical sheet.
 *
 * Radius of directly activated tissue (Stoney, Thompson & Asanuma 1968; Tehovnik 1996): I = k r², so
 * r(I) = √(I / k), with k = 675 µA/mm² (within the 292–4000 µA/mm² range reported for cortical neurons and
 * the value often used for macaque cortex; 50 µA → r ≈ 0.27 mm).
 * Inside r sites get the full effect; beyond r it falls off as a Gaussian of the distance past the edge
 * (σ = `edgeMm`, default 0.1 mm), a smooth stand-in for the graded recruitment of fibres near threshold.
 * The effect scales linearly with the number of pulses (frequency × duration) relative to the Afraz et al.
 * (2006) train (200 Hz for 50 ms = 10 pulses); amplitude is in units of each site's response SD.
 */
import { UserFacingError } from '../types';
import type { CorticalSheet } from './sheet';

/** Stoney et al. (1968) excitability constant, µA/mm². */
export const STONEY_K_UA_PER_MM2 = 675;
/** Pulses of the reference train of Afraz et al. 2006: 200 Hz x 50 ms. */
export const REFERENCE_PULSES = 10;
/** Peak effect of the reference train at a site inside the activated radius, in that site's response SDs (calibration, see docs). */
export const DEFAULT_AMPLITUDE_SD = 1;

export interface StimulationParams {
  currentUa: number;
  frequencyHz: number;
  durationMs: number;
  /** Peak effect of the reference train, in response SDs. Default DEFAULT_AMPLITUDE_SD. */
  amplitudeSd?: number;
  /** Excitability constant k (µA/mm²). Default STONEY_K_UA_PER_MM2. */
  kUaPerMm2?: number;
  /** Width (σ) of the Gaussian fall-off beyond the activated radius (mm). Default 0.1. */
  edgeMm?: number;
}

/** The Afraz et al. 2006 train: 50 µA, 200 Hz, 50 ms. */
export const AFRAZ_TRAIN: StimulationParams = { currentUa: 50, frequencyHz: 200, durationMs: 50 };

export function activatedRadiusMm(currentUa: number, kUaPerMm2: number = STONEY_K_UA_PER_MM2): number {
  if (!(currentUa >= 0)) throw new UserFacingError(`Current must be ≥ 0 µA (got ${currentUa}).`);
  if (!(kUaPerMm2 > 0)) throw new UserFacingError(`Excitability constant k must be > 0 µA/mm² (got ${kUaPerMm2}).`);
  return Math.sqrt(currentUa / kUaPerMm2);
}

/** Fraction of the peak effect at a given distance from the electrode tip. */
export function spreadProfile(distanceMm: number, radiusMm: number, edgeMm: number): number {
  if (distanceMm <= radiusMm) return 1;
  const past = (distanceMm - radiusMm) / edgeMm;
  return Math.exp(-0.5 * past * past);
}

/** Charge scale of a train relative to the reference (10 pulses); linear in the pulse count. */
export function chargeScale(frequencyHz: number, durationMs: number): number {
  if (!(frequencyHz >= 0) || !(durationMs >= 0)) throw new UserFacingError('Frequency and duration must be ≥ 0.');
  return (frequencyHz * durationMs) / 1000 / REFERENCE_PULSES;
}

/**
 * Per-site effect of a train delivered at (xMm, yMm), in units of each site's response SD.
 * Zero current gives zero everywhere.
 */
export function stimulationDeltaSd(sheet: Pick<CorticalSheet, 'xMm' | 'yMm'>, electrode: { xMm: number; yMm: number }, params: StimulationParams): Float32Array {
  const edge = params.edgeMm ?? 0.1;
  if (!(edge > 0)) throw new UserFacingError('Fall-off width must be > 0 mm.');
  const r = activatedRadiusMm(params.currentUa, params.kUaPerMm2);
  const peak = params.currentUa > 0 ? (params.amplitudeSd ?? DEFAULT_AMPLITUDE_SD) * chargeScale(params.frequencyHz, params.durationMs) : 0;
  const n = sheet.xMm.length;
  const delta = new Float32Array(n);
  if (peak === 0) return delta;
  for (let i = 0; i < n; i++) {
    const d = Math.hypot(sheet.xMm[i] - electrode.xMm, sheet.yMm[i] - electrode.yMm);
    delta[i] = peak * spreadProfile(d, r, edge);
  }
  return delta;
}

/** Converts an effect in SD units to the layer's raw units (what the rewritten graph's stim input takes). */
export function toLayerUnits(deltaSd: Float32Array, sd: Float32Array): Float32Array {
  if (deltaSd.length !== sd.length) throw new UserFacingError(`Stimulation has ${deltaSd.length} sites but the sheet has ${sd.length}.`);
  return deltaSd.map((d, i) => d * sd[i]);
}

/** Limits of a plausible intracortical train (checked before any work; the lab and the CLI share them). */
export const STIM_LIMITS = {
  /** µA. ICMS in behaving monkeys uses ≤ ~200 µA; beyond ~300 µA tissue damage and spread to other areas dominate. */
  currentUa: [0, 300],
  /** Hz. Biphasic pulses of 0.2 ms + 0.1 ms gap (Afraz) allow at most ~2 kHz; behavioural studies use ≤ 500 Hz. */
  frequencyHz: [1, 1000],
  /** ms. Afraz used 50 ms trains within a 150 ms window. */
  durationMs: [1, 1000],
} as const;

/** Throws a UserFacingError naming the first parameter outside STIM_LIMITS. */
export function validateStimulation(p: { currentsUa?: number[]; frequencyHz?: number; durationMs?: number }): void {
  const check = (label: string, unit: string, v: number, [lo, hi]: readonly [number, number]) => {
    if (!Number.isFinite(v) || v < lo || v > hi) throw new UserFacingError(`${label} must be within ${lo}–${hi} ${unit} (got ${v}).`, label === 'Current' ? 'Afraz et al. 2006 used 50 µA, 200 Hz, 50 ms.' : undefined);
  };
  for (const c of p.currentsUa ?? []) check('Current', 'µA', c, STIM_LIMITS.currentUa);
  if (p.frequencyHz !== undefined) check('Frequency', 'Hz', p.frequencyHz, STIM_LIMITS.frequencyHz);
  if (p.durationMs !== undefined) check('Duration', 'ms', p.durationMs, STIM_LIMITS.durationMs);
}
