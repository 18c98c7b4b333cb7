import { readFileSync, writeFileSync } from 'node:fs';
import Papa from 'papaparse';
import type { Command } from '../command';
import { integerOption, requiredString, stringOption } from '../args';
import { loadOrtNode } from '../ort';
import { note, stderrProgress } from '../progress';
import { UserFacingError } from '../../core/types';
import { Recorder } from '../../core/engine';
import { buildGpt2Model, GPT2_SIZES, type Gpt2Size } from '../../core/onnx/gpt2';
import { loadTokenizer } from '../../core/text/tokenizer';
import { aggregateSentences, parseResponseTable } from '../../core/language/table';
import { fitEncodingModel, heldOutPerformance, predictEncoding } from '../../core/language/encoding';
import { sentenceFeatures, type RunModel, type TextPipelineOptions } from '../../core/language/scorer';
import { rankPool } from '../../core/language/search';

const GPT2_BOS = 50256;

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UserFacingError(`${what} not found: ${path}`);
  }
}

/** `gpt2-tiny|mini|small[:seed]`: the untrained GPT-2 architecture built in code; or an .onnx file with input_ids/attention_mask. */
function languageModel(spec: string, layer: string | undefined): { name: string; bytes: Uint8Array; layer: string } {
  const m = /^gpt2-(tiny|mini|small)(?::(\d+))?$/.exec(spec);
  if (m) {
    const size = GPT2_SIZES[m[1] as Gpt2Size];
    const chosen = layer ?? `h.${Math.floor(size.nLayer / 2)}.resid`;
    return { name: `${spec} (untrained)`, bytes: buildGpt2Model({ ...size, seed: Number(m[2] ?? 0), extraOutputs: [chosen] }), layer: chosen };
  }
  if (!/\.onnx$/i.test(spec)) throw new UserFacingError(`--model must be gpt2-tiny, gpt2-mini, gpt2-small (untrained, optional ":seed") or an .onnx file, got "${spec}".`);
  if (!layer) throw new UserFacingError('--layer is required with an .onnx language model (the hidden-state tensor to read).');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(spec));
  } catch {
    throw new UserFacingError(`Model not found: ${spec}`);
  }
  return { name: spec, bytes, layer };
}

export const rank: Command = {
  spec: {
    name: 'rank',
    summary: 'Fit an encoding model of the language network and rank a sentence pool by its predicted response → CSV.',
    usage: 'silico rank --model gpt2-small --tokenizer tokenizer.json --train responses.csv --pool sentences.txt [--out ranked.csv]',
    options: {
      model: { type: 'string', short: 'm', value: 'MODEL', help: 'gpt2-tiny|gpt2-mini|gpt2-small[:seed] (untrained, built in code) or an .onnx causal LM.', required: true },
      tokenizer: { type: 'string', short: 't', value: 'FILE', help: 'Hugging Face tokenizer.json.', required: true },
      layer: { type: 'string', short: 'l', value: 'TENSOR', help: 'Hidden-state tensor read as sentence features (default for gpt2-*: the middle block\'s residual).' },
      train: { type: 'string', value: 'FILE', help: 'Responses to fit on: CSV/TSV/JSON with sentence and response columns (Tuckute et al. 2024 layout works).', required: true },
      roi: { type: 'string', value: 'NAME', help: 'ROI to use when the table has several (default lang_LH_netw when present).' },
      pool: { type: 'string', short: 'p', value: 'FILE', help: 'Candidate sentences, one per line (default: the training sentences).' },
      pooling: { type: 'string', value: 'HOW', help: 'Sentence representation: last (token) or mean.', default: 'last' },
      'min-words': { type: 'string', value: 'N', help: 'Leave out shorter pool sentences.' },
      'max-words': { type: 'string', value: 'N', help: 'Leave out longer pool sentences.' },
      'keep-train': { type: 'boolean', help: 'Keep training sentences in the ranking (left out by default).' },
      batch: { type: 'string', value: 'N', help: 'Sentences per model call.', default: '16' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'Write the CSV here instead of stdout.' },
      quiet: { type: 'boolean', short: 'q', help: 'No progress on stderr.' },
    },
    examples: ['silico rank -m gpt2-small -t gpt2-tokenizer/tokenizer.json --train tuckute2024.csv --pool pool.txt --min-words 6 -o ranked.csv'],
  },
  async run(options, _positionals, signal) {
    const quiet = options.quiet === true;
    const pooling = stringOption(options, 'pooling') ?? 'last';
    if (pooling !== 'last' && pooling !== 'mean') throw new UserFacingError(`--pooling must be last or mean, got "${pooling}".`);
    const tokenizer = loadTokenizer(readText(requiredString(options, 'tokenizer'), 'Tokenizer'));
    const table = aggregateSentences(parseResponseTable(readText(requiredString(options, 'train'), 'Response table')), stringOption(options, 'roi'));
    if (table.sentences.length < 10) throw new UserFacingError(`The response table has ${table.sentences.length} sentences; an encoding model needs at least 10.`);
    const poolPath = stringOption(options, 'pool');
    const pool = poolPath ? readText(poolPath, 'Sentence pool').split(/\r?\n/).map((s) => s.trim()).filter(Boolean) : table.sentences;
    if (!pool.length) throw new UserFacingError('The sentence pool is empty.');

    const model = languageModel(requiredString(options, 'model'), stringOption(options, 'layer'));
    note(`${model.name}, layer ${model.layer}: fitting on ${table.sentences.length} sentences${table.roi ? ` (${table.roi})` : ''}, ranking ${pool.length}`, quiet);
    const ort = await loadOrtNode();
    const recorder = await Recorder.create(ort, model.bytes, { layers: [model.layer, 'logits'], executionProviders: ['cpu'] });
    const progress = stderrProgress('rank', process.stderr, quiet);
    try {
      const runModel: RunModel = async (batch, s) => {
        const [hidden, logits] = await recorder.run({ input_ids: { data: batch.inputIds, dims: batch.dims }, attention_mask: { data: batch.attentionMask, dims: batch.dims } }, s);
        return { hidden, logits };
      };
      const pipeline: TextPipelineOptions = { tokenizer, runModel, bosId: tokenizer.tokenId('<|endoftext|>') ?? GPT2_BOS, pooling, batchSize: integerOption(options, 'batch') };
      progress({ done: 0, total: 2, phase: 'training sentences' });
      const train = await sentenceFeatures(table.sentences, pipeline, signal);
      const heldOut = heldOutPerformance(train.features, table.response);
      note(`encoding model: held-out r = ${heldOut.r.toFixed(3)} (cross-validated on the training sentences)`, quiet);
      const encoding = fitEncodingModel(train.features, table.response);
      progress({ done: 1, total: 2, phase: 'pool sentences' });
      const scored = await sentenceFeatures(pool, pipeline, signal);
      const predictions = predictEncoding(encoding, scored.features);
      progress({ done: 2, total: 2, phase: 'done' });
      progress.end();
      const ranked = rankPool(predictions, pool, {
        minWords: integerOption(options, 'min-words'),
        maxWords: integerOption(options, 'max-words'),
        excludeSet: options['keep-train'] ? [] : table.sentences,
      }, pool.length);
      const rows = ranked.drive.map((r, i) => ({ rank: i + 1, sentence: r.sentence, prediction: r.prediction, surprisal_bits: scored.surprisal[r.index], pool_index: r.index }));
      const csv = `${Papa.unparse(rows)}\n`;
      const out = stringOption(options, 'out');
      if (out) {
        writeFileSync(out, csv);
        note(`wrote ${rows.length} ranked sentences to ${out} (highest predicted response first)`, quiet);
      } else process.stdout.write(csv);
      return 0;
    } finally {
      await recorder.dispose();
    }
  },
};
