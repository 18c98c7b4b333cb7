/** What the labs show for an error: message and hint, from the main thread or across a worker boundary. */
import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/ui/engine';
import { CancelledError, UserFacingError } from '../../src/core/types';

describe('describeError', () => {
  it('shows a UserFacingError hint thrown on the main thread, or sent from a worker as a second line', () => {
    expect(describeError(new UserFacingError('The bundle has no stimuli.', 'Add a "stimuli" list.'))).toEqual({ message: 'The bundle has no stimuli.', hint: 'Add a "stimuli" list.', cancelled: false });
    const fromWorker = new Error('Out of memory while recording.\nUse a smaller batch.');
    fromWorker.name = 'UserFacingError';
    expect(describeError(fromWorker)).toEqual({ message: 'Out of memory while recording.', hint: 'Use a smaller batch.', cancelled: false });
    expect(describeError(new UserFacingError('No hint.')).hint).toBeUndefined();
  });

  it('says Cancelled for a cancel and flags anything else as a bug', () => {
    expect(describeError(new CancelledError())).toEqual({ message: 'Cancelled.', cancelled: true });
    expect(describeError(new TypeError('x is undefined')).message).toBe('Something went wrong: x is undefined');
  });
});
