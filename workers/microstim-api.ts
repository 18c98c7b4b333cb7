/** What crosses between the Microstimulation page and its worker (structured-clone friendly). */
import type { LayerInfo } from '../src/core/types';
import type { LogisticCurve, PsychometricPoint, Correlation } from '../src/core/stim/psychometric';
import type { DosePoint as CoreDosePoint, SiteResult as CoreSiteResult } from '../src/core/stim/experiment';
import type { StimulationParams } from '../src/core/stim/spread';
import type { CurveBand, Interval, SelectivityShiftSummary, SweepAdvice } from '../src/core/stim/stats';

/** 95 % bootstrap CI (images and noise draws resampled). */
export interface Ci {
  low: number;
  high: number;
}

/** A stimulated site as the page gets it (per-trial choices stay in the worker), with its shift's CI. */
export type SiteResult = Omit<CoreSiteResult, 'pFace'> & { ci?: Ci; band?: CurveBand[] };
export type DosePoint = Omit<CoreDosePoint, 'pFace'> & { ci?: Ci };

export type ModelChoice = { kind: 'builtin'; id: 'hmax' } | { kind: 'cached'; id: string; name: string } | { kind: 'file'; name: string; bytes: Uint8Array };

export interface ModelSummary {
  name: string;
  layers: LayerInfo[];
  /** Suggested layer to treat as IT, and why. */
  defaultLayer: string;
  defaultReason: string;
  input: { name: string; channels: number; size: number };
  backend: string;
}

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

export type CategoryChoice =
  | { kind: 'demo'; perCategory: number }
  | { kind: 'files'; faces: NamedBytes[]; nonFaces: NamedBytes[] }
  /** Real fLoc photographs from the dataset catalog (faces: adult, child; non-faces: body, car, house, word, instrument, corridor). */
  | { kind: 'floc'; perCategory: number; mirror?: string };

export interface ImagePreview {
  name: string;
  width: number;
  height: number;
  data: Uint8Array;
}

export interface CategorySummary {
  faces: number;
  nonFaces: number;
  synthetic: boolean;
  /** Where the images came from; 'synthetic' is the labelled offline fallback. */
  source: 'floc' | 'files' | 'synthetic';
  /** When fLoc was asked for but could not be had: why, and how to get it (one line). */
  fallback?: string;
  preview: { faces: ImagePreview[]; nonFaces: ImagePreview[]; noisy: { signal: number; image: ImagePreview }[] };
}

export interface SheetOptionsUi {
  /** Images per category used in the noisy detection task (localizer and decoder use all). */
  taskImagesPerCategory: number;
  seed: number;
  /** Noise draws per test image and signal level (default 1 in the lab). */
  repeats?: number;
  /**
   * What the face decoder reads: 'pool' (default), the stimulated layer's own channel means (a linear readout of
   * IT); 'downstream', the model's penultimate features (e.g. MobileNetV2's global pool), through which the
   * stimulation then propagates (the design before issue 13's layer choice).
   */
  readout?: ReadoutChoice;
}

export type ReadoutChoice = 'pool' | 'downstream';

export interface SheetSummary {
  layer: string;
  /** What the decoder reads: 'pool' (the layer's channel means) or the downstream tensor's name. */
  readout?: string;
  nSites: number;
  xMm: Float32Array;
  yMm: Float32Array;
  dPrime: Float32Array;
  spacingMm: number;
  baseline: { curve: LogisticCurve; points: PsychometricPoint[]; band?: CurveBand[]; x50?: Interval; largestDrop?: number };
  /** Decoder accuracy on its (noisy, task-format) training trials at ≥ 50 % signal. */
  decoderTrainAccuracy: number;
  /** Decoder regularisation (grouped cross-validation) and the disjoint image sets per class. */
  decoderC?: number;
  setup?: { localizer: number; decoder: number; task: number; repeats: number };
  trials: number;
  images: { faces: number; nonFaces: number; synthetic: boolean; source?: 'floc' | 'files' | 'synthetic' };
}

export interface SweepOutcome {
  sites: SiteResult[];
  /** Which of the sites are the non-selective controls. */
  controls: number[];
  correlation: Correlation | null;
  params: StimulationParams;
  /** Afraz's statistics over the swept sites (tissue d′ vs shift) with bootstrap CIs, and what to make of them. */
  summary?: SelectivityShiftSummary | null;
  advice?: SweepAdvice;
}

export type { StimulationParams, LogisticCurve, PsychometricPoint, Correlation, CurveBand, Interval, SelectivityShiftSummary, SweepAdvice };
