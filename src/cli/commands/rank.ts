import { readFileSync } from 'node:fs';
import { checkOutputPath, writeOutputFile } from '../output';
import Papa from 'papaparse';
import type { Command } from '../command';
import { integerOption, requiredString, stringOption } from '../args';
import { loadOrtNode } from '../ort';
import { note, stderrProgress } from '../progress';
import { UserFacingError } from '../../core/types';
import { Recorder } from '../../core/engine';
import { buildGpt2Model, GPT2_SIZES, type Gpt2Size } from '../../core/onnx/gpt2';
import { loadTokenizer, type TextTokenizer } from '../../core/text/tokenizer';
import { contextCut } from '../../core/text/batch';
import { aggregateSentences, assertVaryingResponses, parseResponseTable } from '../../core/language/table';
import { fitEncodingModel, heldOutPerformance, predictEncoding } from '../../core/language/encoding';
import { sentenceFeatures, type RunModel, type TextPipelineOptions } from '../../core/language/scorer';
import { rankPool } from '../../core/language/search';
import { loadBuiltinGlove, gpt2TokenizerText } from '../../core/language/assets-node';
import { GLOVE_ID, GLOVE_LABEL, GLOVE_REPRESENTATIONS, type GloveRepresentation } from '../../core/language/glove';
import type { FloatTensor } from '../../core/types';

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
  if (!/\.onnx$/i.test(spec)) throw new UserFacingError(`--model must be ${GLOVE_ID}, gpt2-tiny, gpt2-mini, gpt2-small (untrained, optional ":seed") or an .onnx file, got "${spec}".`);
  if (!layer) throw new UserFacingError('--layer is required with an .onnx language model (the hidden-state tensor to read).');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(spec));
  } catch {
    throw new UserFacingError(`Model not found: ${spec}`);
  }
  return { name: spec, bytes, layer };
}

interface Featurizer {
  name: string;
  /** Sentence features, and mean surprisal (bits/token) where the model is a language model. */
  features(sentences: string[], signal?: AbortSignal): Promise<{ features: FloatTensor; surprisal?: Float64Array }>;
  /** A note when sentences are longer than the model's context and get cut (token models only). */
  contextNote?(sentences: string[]): string;
  dispose(): Promise<void>;
}

async function gloveFeaturizer(pooling: string): Promise<Featurizer> {
  const representation = pooling === 'last' ? 'mean+lexical' : pooling;
  if (!GLOVE_REPRESENTATIONS.includes(representation as GloveRepresentation)) throw new UserFacingError(`--pooling for ${GLOVE_ID} must be ${GLOVE_REPRESENTATIONS.join(', ')}, got "${pooling}".`);
  const glove = await loadBuiltinGlove();
  return {
    name: `${GLOVE_LABEL} (${representation})`,
    async features(sentences) {
      const f = glove.represent(sentences, representation as GloveRepresentation);
      return { features: { dims: [sentences.length, f.dims], data: f.features } };
    },
    async dispose() {},
  };
}

async function lmFeaturizer(spec: string, layerOption: string | undefined, tokenizer: TextTokenizer, pooling: string, batch: number | undefined): Promise<Featurizer> {
  if (pooling !== 'last' && pooling !== 'mean') throw new UserFacingError(`--pooling must be last or mean, got "${pooling}".`);
  const model = languageModel(spec, layerOption);
  const ort = await loadOrtNode();
  const recorder = await Recorder.create(ort, model.bytes, { layers: [model.layer, 'logits'], executionProviders: ['cpu'] });
  const runModel: RunModel = async (b, s) => {
    const [hidden, logits] = await recorder.run({ input_ids: { data: b.inputIds, dims: b.dims }, attention_mask: { data: b.attentionMask, dims: b.dims } }, s);
    return { hidden, logits };
  };
  const pipeline: TextPipelineOptions = { tokenizer, runModel, bosId: tokenizer.tokenId('<|endoftext|>') ?? GPT2_BOS, pooling, batchSize: batch };
  return {
    name: `${model.name}, layer ${model.layer}`,
    features: (sentences, signal) => sentenceFeatures(sentences, pipeline, signal),
    contextNote: (sentences) => contextCut((s) => tokenizer.encode(s), sentences).note,
    dispose: () => recorder.dispose(),
  };
}

export const rank: Command = {
  spec: {
    name: 'rank',
    summary: 'Fit an encoding model of the language network and rank a sentence pool by its predicted response → CSV.',
    usage: 'silico rank --model glove --train responses.csv [--pool sentences.txt] [--out ranked.csv]',
    options: {
      model: { type: 'string', short: 'm', value: 'MODEL', help: `${GLOVE_ID} (built in: ${GLOVE_LABEL}), gpt2-tiny|gpt2-mini|gpt2-small[:seed] (untrained, built in code) or an .onnx causal LM.`, required: true },
      tokenizer: { type: 'string', short: 't', value: 'FILE', help: 'Hugging Face tokenizer.json for a GPT-2 model (default: GPT-2\'s, built in). Not used by glove.' },
      layer: { type: 'string', short: 'l', value: 'TENSOR', help: 'Hidden-state tensor read as sentence features (default for gpt2-*: the middle block\'s residual).' },
      train: { type: 'string', value: 'FILE', help: 'Responses to fit on: CSV/TSV/JSON with columns sentence and response_target (aliases: response, EffectSize; Tuckute et al. 2024 layout works). See docs/language-data.md.', required: true },
      roi: { type: 'string', value: 'NAME', help: 'ROI to use when the table has several (default lang_LH_netw when present).' },
      pool: { type: 'string', short: 'p', value: 'FILE', help: 'Candidate sentences, one per line. Without it the training sentences are ranked by their cross-validated (out-of-fold) prediction.' },
      pooling: { type: 'string', value: 'HOW', help: `Sentence representation: last (token) or mean for language models; ${GLOVE_REPRESENTATIONS.join(', ')} for glove (default mean+lexical).`, default: 'last' },
      'min-words': { type: 'string', value: 'N', help: 'Leave out shorter pool sentences.' },
      'max-words': { type: 'string', value: 'N', help: 'Leave out longer pool sentences.' },
      'keep-train': { type: 'boolean', help: 'Keep training sentences in a --pool ranking (left out by default).' },
      batch: { type: 'string', value: 'N', help: 'Sentences per model call.', default: '16' },
      out: { type: 'string', short: 'o', value: 'FILE', help: 'Write the CSV here instead of stdout.' },
      quiet: { type: 'boolean', short: 'q', help: 'No progress on stderr.' },
    },
    examples: [
      'silico rank -m glove --train tuckute2024.csv --pool pool.txt -o ranked.csv',
      'silico rank -m gpt2-small --train tuckute2024.csv --pool pool.txt --min-words 6 -o ranked.csv',
    ],
  },
  async run(options, _positionals, signal) {
    const quiet = options.quiet === true;
    const spec = requiredString(options, 'model');
    const out = stringOption(options, 'out');
    if (out) checkOutputPath(out, 'file');
    const pooling = stringOption(options, 'pooling') ?? 'last';
    const table = aggregateSentences(parseResponseTable(readText(requiredString(options, 'train'), 'Response table')), stringOption(options, 'roi'));
    if (table.sentences.length < 10) throw new UserFacingError(`The response table has ${table.sentences.length} sentences; an encoding model needs at least 10.`);
    assertVaryingResponses(table.response);
    const poolPath = stringOption(options, 'pool');
    const pool = poolPath ? readText(poolPath, 'Sentence pool').split(/\r?\n/).map((s) => s.trim()).filter(Boolean) : null;
    if (pool && !pool.length) throw new UserFacingError(`The sentence pool is empty: ${poolPath}`, 'Put one sentence per line.');

    const featurizer =
      spec === GLOVE_ID
        ? await gloveFeaturizer(pooling)
        : await lmFeaturizer(spec, stringOption(options, 'layer'), loadTokenizer(stringOption(options, 'tokenizer') ? readText(stringOption(options, 'tokenizer')!, 'Tokenizer') : gpt2TokenizerText()), pooling, integerOption(options, 'batch'));
    note(`${featurizer.name}: fitting on ${table.sentences.length} sentences${table.roi ? ` (${table.roi})` : ''}, ${pool ? `ranking ${pool.length} pool sentences` : 'no --pool: ranking the training sentences by their cross-validated prediction'}`, quiet);
    const progress = stderrProgress('rank', process.stderr, quiet);
    try {
      progress({ done: 0, total: 2, phase: 'training sentences' });
      for (const [what, sentences] of [['training', table.sentences], ['pool', pool ?? []]] as const) {
        const cut = sentences.length ? featurizer.contextNote?.(sentences) : '';
        if (cut) note(`${what} sentences: ${cut}`, quiet);
      }
      const train = await featurizer.features(table.sentences, signal);
      const heldOut = heldOutPerformance(train.features, table.response, { folds: 5, seed: 0, signal });
      note(`encoding model: held-out r = ${heldOut.r.toFixed(3)} (5-fold cross-validation on the training sentences)`, quiet);
      let rows: Record<string, string | number>[];
      if (pool) {
        const encoding = fitEncodingModel(train.features, table.response);
        progress({ done: 1, total: 2, phase: 'pool sentences' });
        const scored = await featurizer.features(pool, signal);
        const predictions = predictEncoding(encoding, scored.features);
        const ranked = rankPool(predictions, pool, {
          minWords: integerOption(options, 'min-words'),
          maxWords: integerOption(options, 'max-words'),
          excludeSet: options['keep-train'] ? [] : table.sentences,
        }, pool.length);
        if (!ranked.drive.length) throw new UserFacingError(`No pool sentence is left to rank: all ${pool.length} are training sentences or outside the word limits.`, 'Use --keep-train or widen --min-words/--max-words.');
        rows = ranked.drive.map((r, i) => ({ rank: i + 1, sentence: r.sentence, prediction: r.prediction, ...(scored.surprisal ? { surprisal_bits: scored.surprisal[r.index] } : {}), pool_index: r.index }));
      } else {
        const ranked = rankPool(heldOut.predictions, table.sentences, { minWords: integerOption(options, 'min-words'), maxWords: integerOption(options, 'max-words') }, table.sentences.length);
        rows = ranked.drive.map((r, i) => ({ rank: i + 1, sentence: r.sentence, prediction: r.prediction, response: table.response[r.index], ...(train.surprisal ? { surprisal_bits: train.surprisal[r.index] } : {}), pool_index: r.index }));
      }
      progress({ done: 2, total: 2, phase: 'done' });
      progress.end();
      const csv = `${Papa.unparse(rows)}\n`;
      if (out) {
        writeOutputFile(out, csv);
        note(`wrote ${rows.length} ranked sentences to ${out} (highest predicted response first${pool ? '' : '; predictions are out-of-fold'})`, quiet);
      } else process.stdout.write(csv);
      return 0;
    } finally {
      await featurizer.dispose();
    }
  },
};
