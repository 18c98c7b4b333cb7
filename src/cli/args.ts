import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { UserFacingError } from '../core/types';

/** One CLI option: parsed by node:util parseArgs, documented in `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help, e.g. "FILE". */
  value?: string;
  help: string;
  default?: string | boolean;
  required?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Extra lines at the end of `--help` (examples). */
  examples?: string[];
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

export function formatHelp(spec: CommandSpec): string {
  const lines = [`silico ${spec.name} — ${spec.summary}`, '', `Usage: ${spec.usage}`, '', 'Options:'];
  const all: [string, OptionSpec][] = [...Object.entries(spec.options), ['help', { type: 'boolean', short: 'h', help: 'Show this help.' }]];
  const heads = all.map(([name, o]) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  all.forEach(([, o], i) => {
    const extra = o.required ? ' (required)' : o.default !== undefined ? ` (default: ${String(o.default)})` : '';
    lines.push(`  ${heads[i].padEnd(width)}${o.help}${extra}`);
  });
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** Parses argv for a command; unknown options and missing required ones are user errors that point to --help. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): { options: ParsedOptions; positionals: string[]; help: boolean } {
  const config: ParseArgsConfig = {
    args: attachNegativeValues(spec, argv),
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(
        Object.entries(spec.options).map(([name, o]) => [
          name,
          { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.default !== undefined ? { default: o.default } : {}) },
        ]),
      ),
    },
  };
  let parsed;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    throw new UserFacingError(`${(e as Error).message.replace(/\. To specify.*$/s, '')}.`, `Run "silico ${spec.name} --help" for the options.`);
  }
  const options = parsed.values as ParsedOptions;
  const help = options.help === true;
  if (!help) {
    for (const [name, o] of Object.entries(spec.options)) {
      if (o.required && (options[name] === undefined || options[name] === '')) {
        throw new UserFacingError(`Missing --${name} (${o.help.replace(/\.$/, '').toLowerCase()}).`, `Run "silico ${spec.name} --help" for the options.`);
      }
    }
  }
  return { options, positionals: parsed.positionals, help };
}

/**
 * `--folds -3` → `--folds=-3`: node's parseArgs refuses a value that starts with a dash ("argument is
 * ambiguous"); a negative number after a string option is that option's value, so the option's own check
 * can say what is wrong with it.
 */
function attachNegativeValues(spec: CommandSpec, argv: string[]): string[] {
  const out: string[] = [];
  const byShort = new Map(Object.entries(spec.options).filter(([, o]) => o.short).map(([name, o]) => [o.short!, name]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2) : /^-[A-Za-z]$/.test(a) ? byShort.get(a.slice(1)) : undefined;
    const next = argv[i + 1];
    if (name && spec.options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity|NaN)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export function stringOption(options: ParsedOptions, name: string): string | undefined {
  const v = options[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function requiredString(options: ParsedOptions, name: string): string {
  const v = stringOption(options, name);
  if (v === undefined) throw new UserFacingError(`Missing --${name}.`);
  return v;
}

export function integerOption(options: ParsedOptions, name: string, min = 1): number | undefined {
  const v = stringOption(options, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserFacingError(`--${name} must be a whole number ≥ ${min}, got "${v}".`);
  return n;
}

/** A finite number, ≥ `min` when given (commands with ranges check them with their own message). */
export function numberOption(options: ParsedOptions, name: string, min = -Infinity): number | undefined {
  const v = stringOption(options, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UserFacingError(`--${name} must be a number, got "${v}".`);
  if (n < min) throw new UserFacingError(`--${name} must be a number ≥ ${min}, got "${v}".`);
  return n;
}

/** Comma-separated list ("a,b,c"); empty entries dropped. */
export function listOption(options: ParsedOptions, name: string): string[] | undefined {
  const v = stringOption(options, name);
  if (v === undefined) return undefined;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

export function numberListOption(options: ParsedOptions, name: string, min = -Infinity): number[] | undefined {
  const list = listOption(options, name);
  if (list === undefined) return undefined;
  return list.map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n)) throw new UserFacingError(`--${name} must be a comma-separated list of numbers, got "${s}".`);
    if (n < min) throw new UserFacingError(`--${name} values must be ≥ ${min}, got "${s}".`);
    return n;
  });
}

export function existingPath(path: string, what: string): string {
  if (!existsSync(path)) throw new UserFacingError(`${what} not found: ${path}`);
  return path;
}

/** Output format from --format, or guessed from the output file's extension. */
export function outputFormat<T extends string>(options: ParsedOptions, allowed: readonly T[], fallback: T): T {
  const explicit = stringOption(options, 'format');
  const out = stringOption(options, 'out');
  const guess = explicit ?? (out ? out.split('.').pop()?.toLowerCase() : undefined);
  if (guess && (allowed as readonly string[]).includes(guess)) return guess as T;
  if (explicit) throw new UserFacingError(`--format must be one of ${allowed.join(', ')}, got "${explicit}".`);
  return fallback;
}
