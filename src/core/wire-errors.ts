/**
 * Errors across a comlink worker boundary: comlink carries only an error's name and message, so a
 * UserFacingError's hint is folded into the message's second line (src/ui/engine.ts describeError splits it back
 * out) and the name is kept, so the page can tell user-facing errors and cancels from bugs.
 */
import { CancelledError, UserFacingError } from './types';

/** The error to throw to the page for `e`. */
export function forWire(e: unknown): Error {
  if (e instanceof UserFacingError) {
    const err = new Error(e.hint ? `${e.message}\n${e.hint}` : e.message);
    err.name = 'UserFacingError';
    return err;
  }
  if (e instanceof CancelledError) return e;
  return e instanceof Error ? e : new Error(String(e));
}

/** `api` with every method's errors passed through forWire. */
export function withWireErrors<T extends Record<string, unknown>>(api: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(api)) {
    out[k] =
      typeof v === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (v as (...a: unknown[]) => unknown)(...args);
            } catch (e) {
              throw forWire(e);
            }
          }
        : v;
  }
  return out as T;
}
