/**
 * Which layer the Microstimulation lab treats as IT, chosen by a criterion that never looks at stimulation results
 * (docs/microstimulation.md, "Which layer is IT"):
 * - HMAX: C2, its top and most invariant stage;
 * - MobileNetV2 (ImageNet; 17 inverted-residual blocks and a pooled head): the layer Silico's Brain-Score-style
 *   predictivity commits to IT, `block 14 · conv 2 (relu6)` (Coggan2024.IT-rdm, chosen on held-apart subjects;
 *   docs/results.md, committed-layer table);
 * - any other network: the last layer before its classifier head (late layers of ImageNet CNNs predict IT best).
 */
import { UserFacingError, type LayerInfo } from '../types';

export interface ItLayerChoice {
  tensor: string;
  /** One line for the page: why this layer. */
  reason: string;
}

/** Labels (core/onnx/layers.ts) of the layer Silico's predictivity commits to IT for MobileNetV2. */
export const MOBILENETV2_COMMITTED_IT = 'block 14 · conv 2 (relu6)';

/** MobileNetV2's layer structure as core/onnx/layers.ts labels it: stem, blocks 1–17, a head with a global pool. */
export function isMobileNetV2(layers: LayerInfo[]): boolean {
  const blocks = new Set(layers.map((l) => /^block (\d+)$/.exec(l.group)?.[1]).filter((b) => b !== undefined).map(Number));
  return blocks.size === 17 && Math.max(...blocks) === 17 && layers.some((l) => l.group === 'head' && l.kind === 'pool');
}

export function defaultItLayer(layers: LayerInfo[]): ItLayerChoice {
  const c2 = layers.find((l) => /\bC2\b/.test(l.label));
  if (c2) return { tensor: c2.tensor, reason: 'C2 is HMAX’s top, most invariant stage: the closest it has to IT.' };
  const committed = isMobileNetV2(layers) ? layers.find((l) => l.label === MOBILENETV2_COMMITTED_IT) : undefined;
  if (committed) {
    return {
      tensor: committed.tensor,
      reason: `${committed.label}: the layer Silico's Brain-Score-style scoring commits to IT for MobileNetV2 (Coggan 2024 IT, chosen on held-apart subjects), picked before any stimulation result.`,
    };
  }
  const body = layers.filter((l) => l.group !== 'head' && l.kind !== 'logits');
  const last = body[body.length - 1] ?? layers[layers.length - 1];
  if (!last) throw new UserFacingError('This model has no recordable layers.');
  return { tensor: last.tensor, reason: 'The last layer before the classifier head: late layers of ImageNet CNNs predict IT best.' };
}
