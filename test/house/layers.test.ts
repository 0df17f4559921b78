/**
 * The layers CONTRIBUTING.md states, checked: src/engine is pure (no file system, processes,
 * TF.js, ONNX Runtime or VS Code), src/protocol and src/engine form no import cycle, webview/
 * imports no Node module, and nothing below the front ends imports them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(__dirname, '..', '..');

function sources(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ts$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(join(root, folder));
  return out;
}

/** Every module specifier a file imports, exports from, or requires. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers: string[] = [];
  for (const match of text.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)) {
    specifiers.push(match[1] ?? match[2] ?? match[3] ?? match[4]);
  }
  return specifiers;
}

/** The repository-relative module a relative specifier names, without extension. */
function target(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return relative(root, resolve(dirname(file), specifier)).replace(/\\/g, '/').replace(/\.(ts|js)$/, '');
}

const nodeModule = /^(node:|fs$|fs\/|path$|os$|child_process$|worker_threads$|process$|crypto$|zlib$|util$|stream$|url$|module$)/;

function violations(folder: string, forbidden: (specifier: string, resolved: string | null) => boolean): string[] {
  return sources(folder).flatMap((file) =>
    importsOf(file)
      .filter((specifier) => forbidden(specifier, target(file, specifier)))
      .map((specifier) => `${relative(root, file)} imports ${specifier}`),
  );
}

test('src/engine is pure: no file system, processes, TF.js, ONNX Runtime, VS Code, or the layers above it', () => {
  const found = violations('src/engine', (specifier, resolved) =>
    nodeModule.test(specifier) ||
    /^(@tensorflow\/|onnxruntime|vscode$)/.test(specifier) ||
    (resolved !== null && /^(src\/(worker|run|cli|extension|report|bench)|webview)\//.test(resolved)),
  );
  assert.deepEqual(found, []);
});

test('webview/ imports no Node module and nothing of the extension host or the workers', () => {
  const found = violations('webview', (specifier, resolved) =>
    nodeModule.test(specifier) || specifier === 'vscode' || (resolved !== null && /^src\/(worker|run|cli|extension|bench)\//.test(resolved)),
  );
  assert.deepEqual(found, []);
});

test('nothing below the front ends imports them, and only src/extension imports vscode', () => {
  const found = [
    ...['src/engine', 'src/protocol', 'src/worker', 'src/run', 'src/report'].flatMap((folder) =>
      violations(folder, (specifier, resolved) => specifier === 'vscode' || (resolved !== null && /^src\/(cli|extension)\//.test(resolved))),
    ),
    ...violations('src/cli', (specifier) => specifier === 'vscode'),
  ];
  assert.deepEqual(found, []);
});

test('src/protocol and src/engine form no import cycle', () => {
  const files = [...sources('src/protocol'), ...sources('src/engine')];
  const id = (file: string) => relative(root, file).replace(/\\/g, '/').replace(/\.ts$/, '');
  const known = new Set(files.map(id));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const from = id(file);
    const to = importsOf(file)
      .map((specifier) => target(file, specifier))
      .map((resolved) => (resolved !== null && !known.has(resolved) && known.has(`${resolved}/index`) ? `${resolved}/index` : resolved))
      .filter((resolved): resolved is string => resolved !== null && known.has(resolved));
    edges.set(from, to);
  }
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]) => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
      return;
    }
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of edges.keys()) visit(node, []);
  const crossing = cycles.filter((cycle) => cycle.includes('src/protocol/') && cycle.includes('src/engine/'));
  assert.deepEqual(crossing, []);
});

test('the import reader sees static, type-only, dynamic and side-effect imports', () => {
  const imports = importsOf(join(root, 'src/worker/worker-classifier.ts'));
  assert.ok(imports.includes('./backends'));
  assert.ok(imports.includes('../protocol/report'), 'a multi-line `import type { … } from` is read');
  const engine = sources('src/engine').flatMap(importsOf);
  assert.ok(engine.length > 20, `src/engine's imports are read (${engine.length})`);
});
