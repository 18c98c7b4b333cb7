/**
 * Turns onnxruntime's error texts (web and node word them alike; they come from the same C++ core)
 * into messages a person can act on.
 */
import { CancelledError, UserFacingError } from '../types';

const OOM = /bad_alloc|failed to allocate|out of memory|allocation failed|could not allocate|cannot allocate|OrtMalloc|Maximum call stack|Invalid typed array length|Array buffer allocation/i;

/** Maps an error thrown by onnxruntime (session creation or run) to a UserFacingError; passes ours through. */
export function explainOrtError(error: unknown, context: { backend?: string } = {}): Error {
  if (error instanceof UserFacingError || error instanceof CancelledError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const backend = context.backend ? ` on the ${context.backend} backend` : '';

  let m = /Could not find an implementation for (\w+)\((\d+)\)/.exec(text);
  if (m) {
    return new UserFacingError(
      `This model uses the operator ${m[1]} (version ${m[2]}), which onnxruntime does not support${backend}.`,
      'Re-export the model with standard ONNX operators, or try another backend (CPU/WASM supports the most operators).',
    );
  }
  m = /(?:([\w.]+):)?(\w+)\(-?\d+\) is not a registered function\/op/.exec(text) ?? /No Op registered for (?:([\w.]+)\.)?(\w+)/.exec(text);
  if (m) {
    const op = m[1] ? `${m[1]}:${m[2]}` : m[2];
    return new UserFacingError(
      `This model uses the operator ${op}, which onnxruntime does not know${backend}.`,
      'Custom operators are not supported; re-export the model with standard ONNX operators.',
    );
  }
  m = /Got invalid dimensions for input: (\S+) for the following indices\s*index: (\d+) Got: (\d+) Expected: (\d+)/.exec(text);
  if (m) {
    return new UserFacingError(
      `Wrong input shape for "${m[1]}": dimension ${m[2]} is ${m[3]} but the model expects ${m[4]}.`,
      'Check the image size and channel settings of the preprocessing.',
    );
  }
  m = /Invalid rank for input: (\S+) Got: (\d+) Expected: (\d+)/.exec(text);
  if (m) {
    return new UserFacingError(`Wrong input shape for "${m[1]}": it has ${m[2]} dimensions but the model expects ${m[3]}.`);
  }
  m = /Unexpected input data type\. Actual: \((.*?)\) , expected: \((.*?)\)/.exec(text);
  if (m) return new UserFacingError(`Wrong input type: got ${m[1]} but the model expects ${m[2]}.`);
  m = /\[(?:ShapeInferenceError|TypeInferenceError)\]\s*(.*)/.exec(text) ?? /This is an invalid model\.\s*(.*)/.exec(text);
  if (m) {
    return new UserFacingError(`The model file is inconsistent: its shape/type check failed (${m[1].split('\n')[0]}).`, 'Re-export the model; it may be damaged.');
  }
  if (OOM.test(text)) {
    return new UserFacingError(
      `The model ran out of memory${backend}.`,
      'Record fewer layers at once, use a smaller batch size, or close other tabs.',
    );
  }
  if (/protobuf parsing failed|Failed to load model|invalid wire type|index out of range/i.test(text)) {
    return new UserFacingError('This file is not an ONNX model (onnxruntime could not load it).');
  }
  return new UserFacingError(`The model could not run: ${text.split('\n')[0]}`);
}
