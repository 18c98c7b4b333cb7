/**
 * Alias of `silico pack` (src/cli/commands/pack.ts; the packers are src/core/data/pack). Same flags:
 *
 *   npx tsx tools/pack-bundle.ts --kind cowley --session 210325 --out /tmp/cowley.zip
 *   npx tsx tools/pack-bundle.ts --kind brainio --in assembly.nc --stimuli images.zip --out /tmp/brainio.zip
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../src/cli/main';

export { packBundle, readFolder, type PackOptions, type PackKind, type BrainioOptions } from '../src/cli/commands/pack';
export { brainioBundle } from '../src/core/data/pack';

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  process.exitCode = await main(['pack', ...(argv.length ? argv : ['--help'])]);
  if (!argv.length) process.exitCode = 1;
}
