import { describe, expect, test } from 'vitest';
import { aggregateSentences, parseResponseTable } from '../../src/core/language/table';
import { participantNoiseCeiling } from '../../src/core/language/ceiling';

// Same columns, in the same order, as Tuckute et al. 2024's brain-lang-data_participant_*.csv.
const CSV = `item_id,sentence,response_target,target_UID,roi,cond,cond_approach,session
1,"We were sitting on the couch.",0.50,848,lang_LH_netw,B,B,A
1,"We were sitting on the couch.",0.30,853,lang_LH_netw,B,B,A
1,"We were sitting on the couch.",0.10,848,lang_LH_AntTemp,B,B,A
2,"Buy one, get one free!",1.20,848,lang_LH_netw,D,D_search,A
2,"Buy one, get one free!",1.00,853,lang_LH_netw,D,D_search,A
2,"Buy one, get one free!",0.80,853,lang_LH_netw,D,D_search,B
3,"I ate an apple.",-0.40,853,lang_LH_netw,S,S_modify,A
`;

describe('response tables (Tuckute et al. 2024 format)', () => {
  test('parses the released columns and averages per sentence for one ROI', () => {
    const table = parseResponseTable(CSV);
    expect(table.columns).toMatchObject({ sentence: 'sentence', response: 'response_target', participant: 'target_UID', roi: 'roi', condition: 'cond', itemId: 'item_id' });
    expect(table.rois).toEqual(['lang_LH_AntTemp', 'lang_LH_netw']);
    const agg = aggregateSentences(table); // defaults to lang_LH_netw
    expect(agg.roi).toBe('lang_LH_netw');
    expect(agg.source).toBe('file');
    expect(agg.sentences).toEqual(['We were sitting on the couch.', 'Buy one, get one free!', 'I ate an apple.']);
    expect(agg.conditions).toEqual(['B', 'D', 'S']);
    expect(agg.participants).toEqual(['848', '853']);
    // participant 853's two sessions on item 2 are averaged first: (1.2 + 0.9) / 2
    const pp = Array.from(agg.perParticipant);
    expect(pp.slice(0, 4)).toEqual([0.5, 0.3, 1.2, 0.9]);
    expect(Number.isNaN(pp[4])).toBe(true);
    expect(pp[5]).toBe(-0.4);
    expect(agg.response[0]).toBeCloseTo(0.4, 12);
    expect(agg.response[1]).toBeCloseTo(1.05, 12);
    expect(agg.response[2]).toBeCloseTo(-0.4, 12);
    const other = aggregateSentences(table, 'lang_LH_AntTemp');
    expect(Array.from(other.response)).toEqual([0.1]);
  });

  test('accepts aliases and JSON', () => {
    const rows = [
      { Stimulus: 'A cat sat.', Response: 1, Subject: 's1' },
      { Stimulus: 'A cat sat.', Response: 3, Subject: 's2' },
      { Stimulus: 'Dogs bark.', Response: 2, Subject: 's1' },
    ];
    const agg = aggregateSentences(parseResponseTable(JSON.stringify(rows)));
    expect(agg.roi).toBeNull();
    expect(Array.from(agg.response)).toEqual([2, 2]);
    const byColumns = parseResponseTable(JSON.stringify({ sentence: ['x y', 'z'], response_target: [1, 2] }));
    expect(byColumns.rows.map((r) => r.response)).toEqual([1, 2]);
    const tsv = parseResponseTable('sentence\tresponse\nHello there.\t0.5\n');
    expect(tsv.rows[0]).toMatchObject({ sentence: 'Hello there.', response: 0.5 });
  });

  test('clear errors for missing columns, NaNs, ROIs and inconsistent items', () => {
    expect(() => parseResponseTable('sentence,roi\nHi,lang\n')).toThrow(/no "response_target" column/);
    expect(() => parseResponseTable('item_id,sentence,response_target\n1,Hi,NaN\n')).toThrow(/Row 2 has no valid response/);
    expect(() => parseResponseTable('item_id,sentence,response_target\n1,Hi,\n')).toThrow(/Row 2/);
    expect(() => parseResponseTable('')).toThrow(/empty/);
    const twoRois = parseResponseTable('sentence,response_target,roi\nA,1,r1\nB,2,r2\n');
    expect(() => aggregateSentences(twoRois)).toThrow(/Choose an ROI/);
    expect(() => aggregateSentences(twoRois, 'r3')).toThrow(/not in the table/);
    expect(() => aggregateSentences(parseResponseTable('item_id,sentence,response_target\n1,A,1\n1,B,2\n'))).toThrow(/two different sentences/);
    const single = aggregateSentences(parseResponseTable('sentence,response_target\nA,1\nB,2\nC,3\n'));
    expect(() => participantNoiseCeiling(single)).toThrow(/at least 2 participants/);
  });
});
