import type { CommandSpec, ParsedOptions } from './args';

/** A CLI command: its spec (options, help) and what it does. Returns the process exit code. */
export interface Command {
  spec: CommandSpec;
  run(options: ParsedOptions, positionals: string[], signal: AbortSignal): Promise<number>;
}
