#!/usr/bin/env node
// Entry of `npx silico`: the CLI is TypeScript (src/cli), run through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../src/cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
