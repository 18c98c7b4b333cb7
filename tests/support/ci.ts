/**
 * The one guard for test prerequisites (real data in ../shared, Python modules, a fresh build in dist/).
 *
 * Outside CI a missing prerequisite skips the tests that need it, with one visible warning per cause.
 * Under CI (`CI=true`, exported by .ci/run) it is a FAILURE: `prerequisite()` throws, so the test file that
 * asked fails with the reason instead of quietly reporting skips.
 */
import { describe, it } from 'vitest';

/** True when running under CI (.ci/run exports CI=true; most CI services set it too). */
export const CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

const warned = new Set<string>();

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

/**
 * Checks one prerequisite. Returns true when it is available. When `problem` is not null: under CI throws a
 * MissingPrerequisiteError (a failure, never a skip); otherwise warns once and returns false (skip).
 */
export function prerequisite(what: string, problem: string | null, fix: string): boolean {
  if (problem === null) return true;
  const message = `${what} unavailable: ${problem}. ${fix}`;
  if (CI) throw new MissingPrerequisiteError(`CI=true, so a missing prerequisite fails the suite instead of skipping it. ${message}`);
  if (!warned.has(message)) {
    warned.add(message);
    console.warn(`[skipped] ${message}`);
  }
  return false;
}

/**
 * `describe(name, body)` only when `available`; otherwise one skipped placeholder test. Unlike
 * `describe.skipIf(!available)`, whose body vitest still runs to collect the tests, the body never runs
 * without its prerequisites, so top-level reads of missing data cannot crash the file.
 */
export function describeIf(available: boolean, name: string, body: () => void): void {
  if (available) describe(name, body);
  else describe.skip(name, () => it.skip('prerequisite missing (see the warning above)', () => {}));
}
