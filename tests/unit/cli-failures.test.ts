/**
 * The CLI's failure paths as a regression table (as netron keeps its bug reports): one fixture per case, made
 * in code here (never from ../shared), with the expected exit code and message. None may end in
 * "unexpected error" with a stack trace. Below the table: the pieces behind the cases (atomic writes on a
 * full disk, unaligned .npy, damaged HDF5, zip entries inflated) and the telemetry check.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { crc32 } from 'node:zlib';
import { checkOutputPath, writeOutputFile, type OutputFs } from '../../src/cli/output';
import { integerOption, numberListOption, numberOption, parseCommandArgs, type CommandSpec, type ParsedOptions } from '../../src/cli/args';
import { encodePng } from '../../src/core/data/png';
import { renderGrating, syntheticBundle } from '../../src/core/data/synthetic';
import { readNpy, writeNpy } from '../../src/core/data/npy';
import { readNetcdfAssembly } from '../../src/core/data/netcdf';
import { readBundleZipAsync, unzipBundle } from '../../src/core/data/bundle';
import { UserFacingError } from '../../src/core/types';
import { silicoBin, silicoInProcess as silico } from '../support/cli';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

let dir: string;
const at = (...p: string[]) => join(dir, ...p);

/** A small synthetic bundle written as a folder, with `change` applied to its files first. */
function bundleFolder(name: string, change: (files: Map<string, Uint8Array>, manifest: any) => void = () => {}): string {
  const files = syntheticBundle({ stimuli: 12, neuroids: 3, repeats: 2, size: 32 });
  const manifest = JSON.parse(new TextDecoder().decode(files.get('benchmark.json')!));
  change(files, manifest);
  files.set('benchmark.json', new TextEncoder().encode(JSON.stringify(manifest)));
  const root = at(name);
  for (const [path, bytes] of files) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), bytes);
  }
  return root;
}

/** A valid .npy of float64 values whose data starts at byte `offset` (a multiple of 8 plus 4 when misaligned). */
function npyAt(values: number[], shape: number[], dataOffset: number): Uint8Array {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const headerLen = dataOffset - 10;
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  if (header.length !== headerLen) throw new Error('offset too small for the header');
  const out = new Uint8Array(dataOffset + values.length * 8);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, headerLen, true);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat64(dataOffset + 8 * i, v, true));
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'silico-cli-failures-'));
  mkdirSync(at('images'));
  for (const [i, name] of ['a.png', 'b.png'].entries()) {
    writeFileSync(at('images', name), encodePng(renderGrating({ orientation: i, frequency: 3, phase: 0, x: 0.5, y: 0.5, contrast: 1 }, 32), 32, 32));
  }
  // A real 32×32 PNG whose IHDR (CRC fixed up) declares 25000×25000: must be refused before decoding.
  mkdirSync(at('huge-images'));
  const png = encodePng(renderGrating({ orientation: 0, frequency: 3, phase: 0, x: 0.5, y: 0.5, contrast: 1 }, 32), 32, 32).slice();
  const ihdr = new DataView(png.buffer, png.byteOffset);
  ihdr.setUint32(16, 25000);
  ihdr.setUint32(20, 25000);
  ihdr.setUint32(29, crc32(png.subarray(12, 29)));
  writeFileSync(at('huge-images', 'huge.png'), png);
  writeFileSync(at('a-file.txt'), 'not a folder');
  mkdirSync(at('a-folder'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  /** argv after "silico"; built lazily (fixtures exist once beforeAll ran). */
  args: () => string[];
  code: number;
  message: RegExp;
  /** Files that must not exist afterwards (nothing half-written). */
  absent?: () => string[];
}

/** Not writable even for root: /sys refuses new files; otherwise a read-only folder. */
const READ_ONLY = '/sys';

const CASES: Case[] = [
  {
    name: '--out in a folder that does not exist (file output)',
    args: () => ['score', '--model', 'hmax', '--bundle', 'synthetic', '--out', at('no-such-folder', 'scores.csv')],
    code: 2,
    message: /--out .*no-such-folder.*: the folder .* does not exist/,
  },
  {
    name: '--out is a folder where a file is expected',
    args: () => ['score', '--model', 'hmax', '--bundle', 'synthetic', '--out', at('a-folder')],
    code: 2,
    message: /--out .*a-folder is a folder; give a file name/,
  },
  {
    name: '--out is a file where a folder is expected',
    args: () => ['record', '--model', 'hmax', '--images', at('images'), '--out', at('a-file.txt')],
    code: 2,
    message: /--out .*a-file\.txt is a file; give a folder/,
  },
  {
    name: '--out below a file',
    args: () => ['record', '--model', 'hmax', '--images', at('images'), '--out', at('a-file.txt', 'acts')],
    code: 2,
    message: /a-file\.txt is a file, not a folder|not a folder/,
  },
  {
    name: '--out not writable',
    args: () => ['score', '--model', 'hmax', '--bundle', 'synthetic', '--out', join(READ_ONLY, 'scores.csv')],
    code: 2,
    message: /--out: cannot write in \/sys/,
  },
  {
    name: 'negative integer option (not node\'s "argument is ambiguous")',
    args: () => ['score', '--model', 'hmax', '--bundle', 'synthetic', '--folds', '-3'],
    code: 2,
    message: /--folds must be a whole number ≥ 2, got "-3"/,
  },
  {
    name: 'negative option given with its short name',
    args: () => ['record', '-m', 'hmax', '-i', at('images'), '--batch', '-1'],
    code: 2,
    message: /--batch must be a whole number ≥ 1, got "-1"/,
  },
  {
    name: 'HDF5 signature followed by garbage (.nc region data)',
    args: () => [
      'score', '--model', 'hmax', '--metric', 'ridge', '--bundle',
      bundleFolder('garbage-nc', (files, m) => {
        const bytes = new Uint8Array(2048).map((_, i) => (i * 7919 + 13) & 255);
        bytes.set(HDF5_SIGNATURE);
        files.set('assembly.nc', bytes);
        m.regions[0].data = 'assembly.nc';
        delete m.regions[0].repeats;
      }),
    ],
    code: 2,
    message: /starts like NetCDF4\/HDF5 but its contents cannot be read: it is damaged or truncated/,
  },
  {
    name: 'Inf in the responses is reported as Inf, not NaN',
    args: () => [
      'score', '--model', 'hmax', '--bundle',
      bundleFolder('inf', (files) => {
        const r = readNpy(files.get('responses_V1.npy')!);
        r.data[5] = Infinity;
        files.set('responses_V1.npy', writeNpy(r.data, r.shape));
      }),
    ],
    code: 2,
    message: /responses_V1\.npy has 1 infinite \(Inf\) value; responses must be finite/,
  },
  {
    name: 'a truncated .npy',
    args: () => [
      'score', '--model', 'hmax', '--bundle',
      bundleFolder('truncated-npy', (files) => files.set('responses_V1.npy', files.get('responses_V1.npy')!.slice(0, 100))),
    ],
    code: 2,
    message: /responses_V1\.npy/,
  },
  {
    name: 'a PNG whose header declares 25000×25000 pixels is refused before decoding',
    args: () => ['record', '--model', 'hmax', '--images', at('huge-images'), '--quiet'],
    code: 2,
    message: /"huge\.png" declares 25000×25000 pixels/,
  },
  {
    name: 'a bundle zip that is not a zip',
    args: () => {
      writeFileSync(at('not-a.zip'), 'PK but not really');
      return ['score', '--model', 'hmax', '--bundle', at('not-a.zip')];
    },
    code: 2,
    message: /not a readable zip file/,
  },
];

describe('CLI failure paths (regression table)', () => {
  test.each(CASES)('$name', async (c) => {
    const r = await silico(c.args());
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.stderr).toMatch(c.message);
    expect(r.code).toBe(c.code);
    for (const f of c.absent?.() ?? []) expect(existsSync(f)).toBe(false);
  });

  test('bad --out is refused before any work (no model is loaded, nothing is recorded)', async () => {
    const t0 = performance.now();
    const r = await silico(['record', '--model', at('missing-model.onnx'), '--images', at('no-images'), '--out', at('a-file.txt')]);
    // The model and the images do not exist either: the --out check came first.
    expect(r.stderr).toMatch(/is a file; give a folder/);
    expect(r.code).toBe(2);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('negative option values', () => {
  const spec: CommandSpec = {
    name: 'demo', summary: '', usage: '',
    options: { frequency: { type: 'string', help: 'Hz.' }, current: { type: 'string', short: 'c', help: 'µA.' }, folds: { type: 'string', help: 'Folds.' }, quiet: { type: 'boolean', help: 'Quiet.' } },
  };
  test.each([
    [['--frequency', '-5'], (o: ParsedOptions) => numberOption(o, 'frequency', 0), /--frequency must be a number ≥ 0, got "-5"/],
    [['--frequency', '-.5'], (o: ParsedOptions) => numberOption(o, 'frequency', 0), /--frequency must be a number ≥ 0, got "-.5"/],
    [['-c', '-5,10'], (o: ParsedOptions) => numberListOption(o, 'current', 0), /--current values must be ≥ 0, got "-5"/],
    [['--folds', '-3'], (o: ParsedOptions) => integerOption(o, 'folds'), /--folds must be a whole number ≥ 1, got "-3"/],
  ] as const)('%j → a clear message', (argv, read, message) => {
    const { options } = parseCommandArgs(spec, [...argv]);
    expect(() => read(options)).toThrow(message);
  });

  test('a negative value reaches the command, which may check its own range', () => {
    expect(numberOption(parseCommandArgs(spec, ['--frequency', '-5']).options, 'frequency')).toBe(-5);
    expect(numberListOption(parseCommandArgs(spec, ['-c', '-5,10']).options, 'current')).toEqual([-5, 10]);
  });

  test('a value-less option before another option is still an error, and --name=-x still works', () => {
    expect(() => parseCommandArgs(spec, ['--frequency', '--quiet'])).toThrow(UserFacingError);
    expect(parseCommandArgs(spec, ['--frequency=-5']).options.frequency).toBe('-5');
    expect(parseCommandArgs(spec, ['--frequency', '7', '--quiet']).options).toMatchObject({ frequency: '7', quiet: true });
  });
});

describe('output files are written whole or not at all', () => {
  test('a full disk leaves neither a truncated file nor a temporary one, and keeps the previous version', () => {
    const target = at('acts.npy');
    writeFileSync(target, 'previous version');
    const written: string[] = [];
    const fullDisk: OutputFs = {
      writeFileSync: (path, data) => {
        written.push(path);
        writeFileSync(path, (data as Uint8Array).subarray(0, 10)); // a partial write, then the disk is full
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
      },
      renameSync: () => {
        throw new Error('rename must not happen after a failed write');
      },
      rmSync: (p, o) => rmSync(p, o),
    };
    expect(() => writeOutputFile(target, writeNpy([1, 2, 3], [3]), fullDisk)).toThrow(UserFacingError);
    expect(() => writeOutputFile(target, writeNpy([1, 2, 3], [3]), fullDisk)).toThrow(/disk is full \(ENOSPC\)/);
    expect(written[0]).not.toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('previous version');
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  test('a complete write replaces the file in one rename', () => {
    const target = at('scores.csv');
    writeOutputFile(target, 'a,b\n1,2\n');
    expect(readFileSync(target, 'utf8')).toBe('a,b\n1,2\n');
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  test('checkOutputPath accepts a new file in an existing folder and a new nested folder', () => {
    expect(() => checkOutputPath(at('new.csv'), 'file')).not.toThrow();
    expect(() => checkOutputPath(at('new', 'nested'), 'dir')).not.toThrow();
    expect(existsSync(at('new'))).toBe(false);
  });
});

describe('bad input files', () => {
  test('.npy files whose data is not 8-byte aligned are read (offsets 76 and 84)', () => {
    const values = [1.5, -2.25, 1e-300, 42, Number.MAX_VALUE, -0.5];
    for (const offset of [76, 84, 128]) {
      const a = readNpy(npyAt(values, [2, 3], offset), `x${offset}.npy`);
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual(values);
    }
  });

  test('an HDF5 signature followed by garbage is a UserFacingError, not a crash (also a bare signature)', async () => {
    const garbage = new Uint8Array(4096).map((_, i) => (i * 31 + 7) & 255);
    garbage.set(HDF5_SIGNATURE);
    for (const bytes of [garbage, Uint8Array.from(HDF5_SIGNATURE)]) {
      const err = await readNetcdfAssembly(bytes).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(UserFacingError);
      expect((err as Error).message).toMatch(/damaged or truncated/);
    }
  });

  test('a damaged .nc prints one clear message in a terminal, not HDF5\'s error stack (real bin)', () => {
    const folder = bundleFolder('garbage-nc-bin', (files, m) => {
      const bytes = new Uint8Array(2048).map((_, i) => (i * 7919 + 13) & 255);
      bytes.set(HDF5_SIGNATURE);
      files.set('assembly.nc', bytes);
      m.regions[0].data = 'assembly.nc';
      delete m.regions[0].repeats;
    });
    const r = silicoBin(['score', '--model', 'hmax', '--metric', 'ridge', '--bundle', folder], { timeout: 120_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/damaged or truncated/);
    expect(r.stderr).not.toMatch(/HDF5-DIAG|H5F\.c|major:/);
  });

  test('only the zip entries a bundle uses are inflated', async () => {
    const files = syntheticBundle({ stimuli: 12, neuroids: 3, repeats: 2, size: 32 });
    // An unreferenced entry that would be costly to inflate (16 MB of zeros deflate to a few kB).
    const zip = zipSync({ ...Object.fromEntries(files), 'extras/huge.bin': [new Uint8Array(16 << 20), { level: 6 }], 'notes.txt': new TextEncoder().encode('hi') });
    expect(zip.length).toBeLessThan(200_000);
    const entries = unzipBundle(zip);
    expect([...entries.keys()].sort()).toEqual([...files.keys()].sort());
    const bench = await readBundleZipAsync(zip);
    expect(bench.manifest.stimuli.length).toBe(12);
    // One folder down ("cowley/benchmark.json") works the same way.
    const nested = zipSync(Object.fromEntries([...files].map(([p, b]) => [`bundle/${p}`, b]).concat([['bundle/unused.bin', new Uint8Array(10)]])));
    expect([...unzipBundle(nested).keys()].sort()).toEqual([...files.keys()].map((p) => `bundle/${p}`).sort());
  });
});

describe('privacy', () => {
  test('a CLI run writes nothing into HOME (onnxruntime telemetry off)', () => {
    const home = mkdtempSync(join(tmpdir(), 'silico-home-'));
    const out = at('telemetry-acts');
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
      delete env.XDG_CACHE_HOME;
      delete env.ORT_DISABLE_TELEMETRY;
      const r = silicoBin(['record', '--model', 'hmax', '--images', at('images'), '--out', out, '--quiet'], { env, timeout: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(existsSync(join(out, 'index.json'))).toBe(true); // the model really ran
      const left: string[] = [];
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          left.push(join(d, e.name).slice(home.length));
          if (e.isDirectory()) walk(join(d, e.name));
        }
      };
      walk(home);
      expect(left).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 150_000);
});
