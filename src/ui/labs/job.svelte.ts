/**
 * The busy / progress / error state of a lab page's worker jobs (Microstimulation, Language):
 *   const job = new LabJob();
 *   await job.run('Building the sheet', () => worker.buildSheet(layer, options, job.onProgress));
 * One job at a time: the page disables its buttons while `job.busy` is set and shows `job.error` in its banner.
 */
import type { Progress } from '../../core/types';
import { describeError, progressProxy, type ErrorMessage } from '../engine';

export class LabJob {
  /** Label of the running job ("Loading model"), or null when idle. */
  busy = $state<string | null>(null);
  progress = $state<Progress | null>(null);
  error = $state<ErrorMessage | null>(null);

  /** Progress callback to hand to the worker (a comlink proxy). */
  readonly onProgress = progressProxy((p) => {
    this.progress = p;
  });

  /** Runs `fn` as the page's job: returns its result, or undefined after showing its error. */
  async run<T>(label: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.busy = label;
    this.progress = null;
    this.error = null;
    try {
      return await fn();
    } catch (e) {
      this.fail(e);
      return undefined;
    } finally {
      this.busy = null;
      this.progress = null;
    }
  }

  /** Shows an error from outside a job (a bad input, a failed re-open). */
  fail(e: unknown): void {
    this.error = describeError(e);
  }
}
