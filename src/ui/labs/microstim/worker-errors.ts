/**
 * Comlink carries only an error's name and message across the worker boundary, so a UserFacingError's hint
 * is folded into the message's second line (what src/ui/engine.ts describeError splits back out).
 */
import { UserFacingError } from '../../../core/types';

export function withFoldedHints<T extends Record<string, unknown>>(api: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(api)) {
    out[k] =
      typeof v === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (v as (...a: unknown[]) => unknown)(...args);
            } catch (e) {
              if (e instanceof UserFacingError && e.hint) throw new UserFacingError(`${e.message}\n${e.hint}`);
              throw e;
            }
          }
        : v;
  }
  return out as T;
}
