// Bundles the extension, the worker, the CLI, the bench and the webview with esbuild.
// Usage: node scripts/build.mjs [target ...] [--watch]   (targets: extension worker cli bench webview)
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const watch = args.includes('--watch');
const wanted = args.filter((a) => !a.startsWith('--'));

const node = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning',
  define: { 'import.meta.url': 'bundleFileUrl' }, inject: [join(root, 'scripts/bundle-file-url.js')],
};
// Native addons, never bundled: ONNX Runtime and sharp (libvips) are required at run time from
// node_modules; the optional native TensorFlow backends from node_modules or the extension's global storage.
const nativeExternals = ['onnxruntime-node', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
// h5wasm (the HDF5 library as a 4 MB wasm module, for Keras files) is its own bundle, dist/h5wasm.js,
// loaded on the first HDF5 file read (src/worker/model/keras/hdf5.ts): parsing it inside every bundle
// would add a second to each start of the extension and of every worker.
const lazyBundles = ['h5wasm/node'];

// The standalone report runs the Theory view's simulations in a Web Worker started from a blob: URL
// (the only worker its CSP allows): the webview bundle carries webview/theory-worker.ts, bundled on
// its own, as the text of the module 'theory-worker-source'.
const theoryWorkerSource = {
  name: 'theory-worker-source',
  setup(build) {
    build.onResolve({ filter: /^theory-worker-source$/ }, () => ({ path: 'theory-worker-source', namespace: 'theory-worker-source' }));
    build.onLoad({ filter: /.*/, namespace: 'theory-worker-source' }, async () => {
      const worker = await esbuild.build({ bundle: true, minify: true, platform: 'browser', format: 'iife', target: 'es2022', write: false, metafile: true, logLevel: 'warning', absWorkingDir: root, entryPoints: [join(root, 'webview/theory-worker.ts')] });
      return { contents: `export default ${JSON.stringify(worker.outputFiles[0].text)};`, loader: 'js', watchFiles: Object.keys(worker.metafile.inputs).map((file) => join(root, file)) };
    });
  },
};

const targets = {
  extension: { ...node, entryPoints: [join(root, 'src/extension/extension.ts')], outfile: join(dist, 'extension.js'), external: ['vscode', ...nativeExternals, ...lazyBundles] },
  worker: { ...node, entryPoints: [join(root, 'src/worker/main.ts')], outfile: join(dist, 'worker.js'), external: [...nativeExternals, ...lazyBundles] },
  // The Theory view's simulations (src/extension/theory-service.ts): no model backend to load.
  'theory-worker': { ...node, entryPoints: [join(root, 'src/worker/theory-main.ts')], outfile: join(dist, 'theory-worker.js') },
  cli: { ...node, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(dist, 'cli.js'), external: [...nativeExternals, ...lazyBundles], banner: { js: '#!/usr/bin/env node' } },
  bench: { ...node, entryPoints: [join(root, 'src/bench/main.ts')], outfile: join(dist, 'bench.js'), external: [...nativeExternals, ...lazyBundles] },
  h5wasm: { ...node, stdin: { contents: "export * from 'h5wasm/node';", resolveDir: root }, outfile: join(dist, 'h5wasm.js'), sourcemap: false },
  // Minified: every standalone report.html inlines this bundle (about 350 kB instead of 690 kB).
  webview: { bundle: true, minify: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: true, logLevel: 'warning', entryPoints: [join(root, 'webview/main.ts')], outfile: join(dist, 'webview.js'), loader: { '.css': 'css' }, plugins: [theoryWorkerSource] },
};

const names = wanted.length ? wanted : Object.keys(targets);
// Every Node bundle loads dist/h5wasm.js when it reads an HDF5 file.
if (names.some((n) => ['extension', 'worker', 'cli', 'bench'].includes(n)) && !names.includes('h5wasm')) names.push('h5wasm');
for (const n of names) if (!targets[n]) throw new Error(`unknown build target "${n}" (one of ${Object.keys(targets).join(', ')})`);
mkdirSync(dist, { recursive: true });

// The wasm backend loads its .wasm binaries from beside the worker bundle.
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const f of readdirSync(wasmDir)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDir, f), join(dist, f));

for (const n of names) {
  const opts = targets[n];
  if (watch) {
    const ctx = await esbuild.context(opts);
    await ctx.watch();
    console.log(`watching ${n}`);
  } else {
    await esbuild.build(opts);
  }
}
if (existsSync(join(dist, 'cli.js'))) chmodSync(join(dist, 'cli.js'), 0o755);
