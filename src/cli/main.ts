import { formatHelp, parseCommandArgs } from './args';
import type { Command } from './command';
import { CancelledError, UserFacingError } from '../core/types';
import { checkOutputPath } from './output';

/**
 * No telemetry: onnxruntime-node otherwise queues events (graph name, metadata, hardware, timings) for
 * Microsoft's collector under ~/.cache/Microsoft/DeveloperTools/.onnxruntime on every run. The native library
 * reads ORT_DISABLE_TELEMETRY when it starts, so it is set before any command can load it.
 */
export function disableTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY = '1';
}

/** Commands load lazily: `silico --help` must not pay for onnxruntime-node. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  record: { summary: 'Record layer activations of an ONNX model for a folder or zip of images.', load: async () => (await import('./commands/record')).record },
  score: { summary: 'Score every layer of a model against a neural benchmark bundle (layer × region).', load: async () => (await import('./commands/score')).score },
  stim: { summary: 'Microstimulation sweep of a vision model (Afraz et al. 2006 in silico) → CSV.', load: async () => (await import('./commands/stim')).stim },
  report: { summary: 'Report card: every available benchmark with committed layers, beside baselines and published numbers.', load: async () => (await import('./commands/report')).report },
  rank: { summary: 'Rank a sentence pool by predicted language-network response (Tuckute et al. 2024).', load: async () => (await import('./commands/rank')).rank },
  pack: { summary: 'Pack a neural dataset (local files or a catalog download) into a benchmark bundle zip.', load: async () => (await import('./commands/pack')).pack },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    'silico — in-silico neuroscience from the command line (same domain modules as the browser app; onnxruntime-node engine).',
    '',
    'Usage: silico <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    'Run "silico <command> --help" for a command\'s options. Progress goes to stderr, results to stdout or --out.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code (0 ok, 1 unexpected failure, 2 user error, 130 cancelled). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`silico: unknown command "${name}".\n\n${mainHelp()}\n`);
    return 2;
  }
  disableTelemetry();
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const command = await entry.load();
    const { options, positionals, help } = parseCommandArgs(command.spec, rest);
    if (help) {
      process.stdout.write(`${formatHelp(command.spec)}\n`);
      return 0;
    }
    // Output paths are checked before any work: a bad --out must not cost a model run first.
    const out = command.spec.options.out;
    if (out?.type === 'string' && typeof options.out === 'string' && options.out !== '') checkOutputPath(options.out, out.value === 'DIR' ? 'dir' : 'file');
    return await command.run(options, positionals, controller.signal);
  } catch (e) {
    if (e instanceof UserFacingError) {
      process.stderr.write(`silico ${name}: ${e.message}\n${e.hint ? `${e.hint}\n` : ''}`);
      return 2;
    }
    if (e instanceof CancelledError) {
      process.stderr.write(`silico ${name}: cancelled\n`);
      return 130;
    }
    const io = e as NodeJS.ErrnoException;
    if (typeof io?.code === 'string' && typeof io.syscall === 'string') {
      // A file-system failure (disk full, permissions, a vanished path) is the user's environment, not a bug.
      process.stderr.write(`silico ${name}: ${io.syscall} ${io.path ?? ''} failed: ${io.code} (${io.message.replace(/^[A-Z]+: /, '')}).\n`);
      return 2;
    }
    process.stderr.write(`silico ${name}: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
