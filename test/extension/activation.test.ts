/**
 * The built extension bundle (dist/extension.js) against the manifest: it activates under a
 * stand-in `vscode` module, registers exactly the commands package.json declares, loads no TF.js,
 * and refuses to run models in an untrusted workspace. Prints how long activation took.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { decode } from 'fast-png';
import { createFakeVscode, fakeContext, installFakeVscode } from './vscode-fake';
import { tempFolder } from './fixtures';

const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'extension.js');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tmp = tempFolder('activation');
const declaredCommands: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);

const fakeModulePath = join(tmp.path, 'vscode.js');
let restoreVscode: (() => void) | null = null;

/** Loads a fresh copy of the bundle with `vscode` answered by the stand-in. */
function loadExtension(vscode: unknown): { activate(context: unknown): void; deactivate(): void } {
  restoreVscode?.();
  restoreVscode = installFakeVscode(vscode, fakeModulePath);
  const require = createRequire(import.meta.url);
  delete require.cache[bundle];
  return require(bundle);
}

before(() => {
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), 'extension'], { cwd: root, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
});
after(() => {
  restoreVscode?.();
  tmp.remove();
});

describe('the extension bundle', () => {
  it('activates quickly, registering every declared command and nothing else', (t) => {
    const { vscode, record } = createFakeVscode({ folders: [tmp.path], trusted: true });
    const context = fakeContext(root, join(tmp.path, 'global'), manifest.version);
    const start = performance.now();
    const extension = loadExtension(vscode);
    const loaded = performance.now();
    extension.activate(context);
    const activated = performance.now();
    t.diagnostic(`extension bundle load ${(loaded - start).toFixed(1)} ms + activate() ${(activated - loaded).toFixed(1)} ms = ${(activated - start).toFixed(1)} ms`);

    assert.deepEqual([...record.commands.keys()].sort(), [...declaredCommands].sort());
    assert.deepEqual(record.treeViews, ['robustnessLens.runs']);
    assert.deepEqual(record.serializers, ['robustnessLens.report']);
    assert.deepEqual(record.outputChannels, [], 'the output channel is created on first use');
    assert.equal(record.statusItems.length, 1);
    assert.equal(record.statusItems[0].text, '$(beaker) Robustness: auto');
    assert.equal(record.statusItems[0].shown, true);
    for (const d of context.subscriptions) d.dispose();
    extension.deactivate();
  });

  it('carries no TF.js: the compute runs in worker processes', () => {
    const source = readFileSync(bundle, 'utf8');
    for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm', 'tfjs-backend-cpu']) {
      assert.equal(source.includes(`node_modules/${name}`), false, `${name} is bundled into the extension`);
    }
  });

  it('in an untrusted workspace, explains why it will not run a model', async () => {
    const { vscode, record } = createFakeVscode({ folders: [tmp.path], trusted: false });
    const context = fakeContext(root, join(tmp.path, 'global'), manifest.version);
    const extension = loadExtension(vscode);
    extension.activate(context);
    for (const id of ['robustnessLens.check', 'robustnessLens.demo', 'robustnessLens.installNativeBackend']) await record.commands.get(id)?.();
    assert.equal(record.messages.length, 3);
    for (const m of record.messages) {
      assert.equal(m.kind, 'warn');
      assert.match(m.message, /only checks models in a trusted workspace/);
      assert.deepEqual(m.actions, ['Manage Workspace Trust']);
    }
    for (const d of context.subscriptions) d.dispose();
  });
});

describe('the manifest', () => {
  it('activates only on its commands, its view and its report panel', () => {
    const events: string[] = manifest.activationEvents;
    assert.ok(!events.includes('*'));
    for (const event of events) assert.match(event, /^(onCommand:robustnessLens\.|onView:robustnessLens\.runs$|onWebviewPanel:robustnessLens\.report$)/);
    for (const event of events.filter((e) => e.startsWith('onCommand:'))) assert.ok(declaredCommands.includes(event.slice('onCommand:'.length)), event);
  });

  it('names the check command as the palette shows it, and offers it on model.json files and folders', () => {
    const check = manifest.contributes.commands.find((c: { command: string }) => c.command === 'robustnessLens.check');
    assert.equal(`${check.category}: ${check.title}`, 'Robustness Lens: Check Random vs Adversarial Robustness');
    const explorer = manifest.contributes.menus['explorer/context'].find((m: { command: string }) => m.command === 'robustnessLens.check');
    assert.match(explorer.when, /resourceFilename == model\.json/);
    assert.match(explorer.when, /explorerResourceIsFolder/);
  });

  it('refers only to declared commands and views in its menus', () => {
    const menus: Record<string, { command: string; when?: string }[]> = manifest.contributes.menus;
    for (const [place, entries] of Object.entries(menus)) {
      for (const entry of entries) {
        assert.ok(declaredCommands.includes(entry.command), `${place}: ${entry.command}`);
        const view = /view == ([\w.]+)/.exec(entry.when ?? '')?.[1];
        if (view) assert.equal(view, 'robustnessLens.runs');
      }
    }
    assert.deepEqual(manifest.contributes.views.robustnessLens.map((v: { id: string }) => v.id), ['robustnessLens.runs']);
  });

  it('has a 128×128 PNG icon, an activity bar icon, and limited support for untrusted workspaces', () => {
    const icon = decode(readFileSync(join(root, manifest.icon)));
    assert.deepEqual([icon.width, icon.height], [128, 128]);
    assert.match(readFileSync(join(root, manifest.contributes.viewsContainers.activitybar[0].icon), 'utf8'), /^<svg /);
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('robustnessLens.nodePath'));
  });
});
