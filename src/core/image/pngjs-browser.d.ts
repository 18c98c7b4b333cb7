// pngjs's self-contained browserify build (bundles its own Buffer and zlib), usable in workers and Node.
declare module 'pngjs/browser.js' {
  import type { PNG } from 'pngjs';
  const png: { PNG: typeof PNG };
  export default png;
}
