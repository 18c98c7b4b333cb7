/** URL state for links that reopen a view (and a saved experiment): parsing and formatting the hash query. */
import { describe, expect, test } from 'vitest';
import { formatHash, parseHash, urlFor } from '../../src/ui/url-state';

describe('url state', () => {
  test('parses route and query, decoding escapes', () => {
    expect(parseHash('')).toEqual({ route: '/', state: {} });
    expect(parseHash('#/')).toEqual({ route: '/', state: {} });
    expect(parseHash('#/predictivity')).toEqual({ route: '/predictivity', state: {} });
    expect(parseHash('#/predictivity?model=builtin%3Ahmax&metric=ridge&layer=block%203%20%C2%B7%20conv')).toEqual({
      route: '/predictivity',
      state: { model: 'builtin:hmax', metric: 'ridge', layer: 'block 3 · conv' },
    });
  });

  test('formats, dropping empty keys, and round-trips awkward values', () => {
    expect(formatHash('/language', {})).toBe('#/language');
    expect(formatHash('/predictivity', { metric: 'rsa', layer: undefined, region: '' })).toBe('#/predictivity?metric=rsa');
    const state = { model: 'cache:a&b=c', layer: '/features/denseblock4/Concat_output_0', region: 'IT #2 + V4' };
    const hash = formatHash('/predictivity', state);
    // Values are escaped: one '#', two '&' separators for three keys, no spaces.
    expect(hash.split('#')).toHaveLength(2);
    expect(hash.split('&')).toHaveLength(3);
    expect(hash).not.toContain(' ');
    expect(parseHash(hash)).toEqual({ route: '/predictivity', state });
    expect(urlFor('/microstim', { exp: 'exp-123' })).toBe('#/microstim?exp=exp-123');
  });
});
