/** What crosses between the Microstimulation page and its worker (structured-clone friendly). */
import type { LayerInfo } from '../src/core/types';
import type { LogisticCurve, PsychometricPoint, Correlation } from '../src/core/stim/psychometric';
import type { DosePoint, SiteResult } from '../src/core/stim/experiment';
import type { StimulationParams } from '../src/core/stim/spread';

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

export type CategoryChoice = { kind: 'demo'; perCategory: number } | { kind: 'files'; faces: NamedBytes[]; nonFaces: NamedBytes[] };

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
  preview: { faces: ImagePreview[]; nonFaces: ImagePreview[]; noisy: { signal: number; image: ImagePreview }[] };
}

export interface SheetOptionsUi {
  /** Images per category used in the noisy detection task (localizer and decoder use all). */
  taskImagesPerCategory: number;
  seed: number;
}

export interface SheetSummary {
  layer: string;
  nSites: number;
  xMm: Float32Array;
  yMm: Float32Array;
  dPrime: Float32Array;
  spacingMm: number;
  baseline: { curve: LogisticCurve; points: PsychometricPoint[] };
  /** Decoder accuracy on its (clean) training images: how well the readout separates the categories. */
  decoderTrainAccuracy: number;
  trials: number;
  images: { faces: number; nonFaces: number; synthetic: boolean };
}

export interface SweepOutcome {
  sites: SiteResult[];
  /** Which of the sites are the non-selective controls. */
  controls: number[];
  correlation: Correlation | null;
  params: StimulationParams;
}

export type { DosePoint, SiteResult, StimulationParams, LogisticCurve, PsychometricPoint, Correlation };
