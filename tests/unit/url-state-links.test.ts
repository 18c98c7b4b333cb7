/** Links that reopen a view: validating values read from the URL, each lab's settings ⇄ URL mapping, and when the URL is written. */
import { describe, expect, test } from 'vitest';
import {
  UrlSync, formatHash, hasAnyKey, languageFromUrl, languageToUrl, microstimFromUrl, microstimToUrl, nonNegativeList, numberIn, numberParam, oneOf,
  linkModelChoice, missingFromLink, parseHash, type LanguageLink, type MicrostimLink, type UrlState,
} from '../../src/ui/url-state';
import { PREDICTIVITY_LINK_KEYS, predictivityFromUrl, predictivityToUrl, type PredictivityLink } from '../../src/ui/labs/predictivity/views';

describe('validating link values', () => {
  test('oneOf keeps only allowed values', () => {
    expect(oneOf('rsa', ['ridge', 'pls', 'rsa'])).toBe('rsa');
    expect(oneOf('foo', ['ridge', 'pls', 'rsa'])).toBeUndefined();
    expect(oneOf('RSA', ['ridge', 'pls', 'rsa'])).toBeUndefined();
    expect(oneOf(undefined, ['a'])).toBeUndefined();
  });

  test('numberIn keeps finite numbers in range, whole numbers when asked', () => {
    expect(numberIn('12.5', 0, 100)).toBe(12.5);
    expect(numberIn('0', 0, 100)).toBe(0);
    expect(numberIn('100', 0, 100)).toBe(100);
    expect(numberIn('100.1', 0, 100)).toBeUndefined();
    expect(numberIn('-1', 0, 100)).toBeUndefined();
    expect(numberIn('2.5', 0, 100, true)).toBeUndefined();
    expect(numberIn('3', 0, 100, true)).toBe(3);
    for (const bad of ['', ' ', 'abc', 'NaN', 'Infinity', '1e400', undefined]) expect(numberIn(bad, -Infinity, Infinity)).toBeUndefined();
  });

  test('numberParam writes numbers that read back exactly', () => {
    for (const x of [0, 3, 12.5, 0.1 + 0.2, 1e-7]) expect(numberIn(numberParam(x), -Infinity, Infinity)).toBe(x);
    expect(numberParam(NaN)).toBeUndefined();
    expect(numberParam(null)).toBeUndefined(); // an emptied number field
    expect(numberParam(undefined)).toBeUndefined();
  });

  test('nonNegativeList normalises a list of currents and refuses anything else', () => {
    expect(nonNegativeList('0,10  25, 50.5')).toBe('0, 10, 25, 50.5');
    for (const bad of ['', ' , ', '10, -5', '10, abc', '1e999', undefined]) expect(nonNegativeList(bad)).toBeUndefined();
  });

  test('hasAnyKey tells a link with settings from a bare route', () => {
    expect(hasAnyKey(parseHash('#/predictivity').state, PREDICTIVITY_LINK_KEYS)).toBe(false);
    expect(hasAnyKey(parseHash('#/predictivity?exp=e1').state, PREDICTIVITY_LINK_KEYS)).toBe(false);
    expect(hasAnyKey(parseHash('#/predictivity?view=rdm').state, PREDICTIVITY_LINK_KEYS)).toBe(true);
  });
});

describe('Predictivity link', () => {
  const full: PredictivityLink = {
    benchmark: 'synthetic-demo',
    metric: 'pls',
    view: 'scatter',
    model: 'cache:resnet&18',
    value: 'raw',
    region: 'IT #2',
    layer: '/layer4/Relu_output_0',
    neuroid: 7,
  };

  test('round-trips through the hash', () => {
    const hash = formatHash('/predictivity', predictivityToUrl(full));
    expect(predictivityFromUrl(parseHash(hash).state)).toEqual(full);
  });

  test('region, layer and neuroid are written only where the view has them', () => {
    expect(predictivityToUrl({ ...full, view: 'heatmap' })).toMatchObject({ region: undefined, layer: undefined, neuroid: undefined, metric: 'pls' });
    expect(predictivityToUrl({ ...full, view: 'rdm' })).toMatchObject({ region: 'IT #2', layer: '/layer4/Relu_output_0', neuroid: undefined });
    expect(formatHash('/predictivity', predictivityToUrl({ benchmark: 'b', metric: 'rsa', view: 'leaderboard' }))).toBe(
      '#/predictivity?benchmark=b&metric=rsa&view=leaderboard',
    );
  });

  test('malformed values are dropped, the rest kept', () => {
    const link = predictivityFromUrl(parseHash('#/predictivity?benchmark=mine&metric=foo&view=nonsense&value=best&neuroid=-1&layer=C2&region=').state);
    expect(link).toEqual({
      benchmark: 'mine',
      metric: undefined,
      view: undefined,
      model: undefined,
      value: undefined,
      region: undefined,
      layer: 'C2',
      neuroid: undefined,
    });
    expect(predictivityFromUrl({ neuroid: '1.5' }).neuroid).toBeUndefined();
    expect(predictivityFromUrl({ neuroid: '0' }).neuroid).toBe(0);
  });
});

describe('Microstimulation and Language links', () => {
  test('Microstimulation settings round-trip, out-of-range values are dropped', () => {
    const full: MicrostimLink = { model: 'cached:mobilenet v2', layer: '/features.17/conv/conv.2/Conv_output_0', images: 'demo', perCategory: 8, site: 41, current: 50, frequency: 200, duration: 50, selective: 6, controls: 3, currents: '0, 25, 100' };
    expect(microstimFromUrl(parseHash(formatHash('/microstim', microstimToUrl(full))).state)).toEqual(full);
    const bad = microstimFromUrl(parseHash('#/microstim?images=camera&perCategory=1&site=-2&current=600&frequency=x&duration=&selective=2.5&controls=65&currents=5,-1').state);
    expect(Object.values(bad).every((v) => v === undefined)).toBe(true);
    expect(microstimFromUrl({ current: '500', perCategory: '64', site: '0' })).toMatchObject({ current: 500, perCategory: 64, site: 0 });
  });

  test('Language settings round-trip, including a false flag; bad values are dropped', () => {
    const full: LanguageLink = { model: 'builtin:mini', sentences: 400, roi: 'lang LH', layer: 'h.3', minWords: 4, maxWords: 12, novelOnly: false, goal: 'suppress', steps: 50, maxSurprisal: 12.5 };
    const hash = formatHash('/language', languageToUrl(full));
    expect(hash).toContain('novelOnly=no');
    expect(languageFromUrl(parseHash(hash).state)).toEqual(full);
    const bad = languageFromUrl(parseHash('#/language?sentences=10&minWords=0&maxWords=201&novelOnly=maybe&goal=up&steps=0&maxSurprisal=41').state);
    expect(Object.values(bad).every((v) => v === undefined)).toBe(true);
  });
});

describe('UrlSync', () => {
  test('writes nothing for the settings a page opens with, everything once one changes', () => {
    const writes: UrlState[] = [];
    const sync = new UrlSync((s) => writes.push(s));
    sync.update({ metric: 'ridge', view: 'heatmap' });
    sync.update({ metric: 'ridge', view: 'heatmap' });
    expect(writes).toEqual([]);
    sync.update({ metric: 'ridge', view: 'scatter' });
    // Changed back: still written, so the URL follows the page.
    sync.update({ metric: 'ridge', view: 'heatmap' });
    expect(writes).toEqual([{ metric: 'ridge', view: 'scatter' }, { metric: 'ridge', view: 'heatmap' }]);
  });

  test('reset() takes the current settings as the new starting point', () => {
    const writes: UrlState[] = [];
    const sync = new UrlSync((s) => writes.push(s));
    sync.update({ current: '25' });
    sync.update({ current: '50' });
    sync.reset();
    sync.update({ current: '75' });
    expect(writes).toEqual([{ current: '50' }]);
    sync.update({ current: '100' });
    expect(writes).toEqual([{ current: '50' }, { current: '100' }]);
  });
});

describe('a link naming what this browser lacks', () => {
  test('says which model or dataset, and what to do', () => {
    expect(missingFromLink('model', 'cache:nope', 'add it on the Models page')).toBe('This link\'s model “cache:nope” is not in this browser; add it on the Models page first.');
  });

  test('Microstimulation / Language: an unknown model= is named with the fallback the lab opened with', () => {
    const options = [{ value: 'cached:mobilenetv2-12', label: 'MobileNetV2 (cached)' }, { value: 'builtin:hmax', label: 'HMAX (built in, no download)' }];
    expect(linkModelChoice('cached:mobilenetv2-12', options, 'builtin:hmax')).toEqual({ choice: 'cached:mobilenetv2-12', note: null });
    expect(linkModelChoice(undefined, options, 'builtin:hmax')).toEqual({ choice: 'builtin:hmax', note: null });
    expect(linkModelChoice('cached:resnet50', options, 'builtin:hmax')).toEqual({
      choice: 'builtin:hmax',
      note: 'This link\'s model “cached:resnet50” is not in this browser; add it on the Models page first. The lab opened with HMAX (built in, no download) instead.',
    });
  });
});
