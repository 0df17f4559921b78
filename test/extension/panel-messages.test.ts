import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { exportBytes, handlePanelMessage, safeExportName, type PanelContext } from '../../src/extension/panel-messages';
import type { ExtensionToWebview, ImageDetail } from '../../src/protocol/messages';
import { FakeUi } from './fakes';
import { tempFolder } from './fixtures';

const tmp = tempFolder('panel');
after(() => tmp.remove());

// The dataset of the report these tests play: real files, a class folder linked from elsewhere, links out.
const reportImages = new Set(['1_bright/03.png', '2_linked/05.png', '1_bright/escape.png', '../../etc/passwd', '/etc/passwd']);
mkdirSync(join(tmp.path, 'data', '1_bright'), { recursive: true });
mkdirSync(join(tmp.path, 'elsewhere', 'pool'), { recursive: true });
writeFileSync(join(tmp.path, 'data', '1_bright', '03.png'), 'png');
writeFileSync(join(tmp.path, 'elsewhere', 'pool', '05.png'), 'png');
writeFileSync(join(tmp.path, 'elsewhere', 'secret.txt'), 'secret');
symlinkSync(join(tmp.path, 'elsewhere', 'pool'), join(tmp.path, 'data', '2_linked'));
symlinkSync(join(tmp.path, 'elsewhere', 'secret.txt'), join(tmp.path, 'data', '1_bright', 'escape.png'));

const onePixelPng = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function context(ui: FakeUi, overrides: Partial<PanelContext> = {}) {
  const posted: ExtensionToWebview[] = [];
  const opened: string[] = [];
  const simulations: unknown[] = [];
  let reportsSent = 0;
  const ctx: PanelContext = {
    ui,
    post: (m) => posted.push(m),
    sendReport: () => reportsSent++,
    detail: async (file) => ({ file }) as ImageDetail,
    dataDir: async () => join(tmp.path, 'data'),
    hasImage: (file) => reportImages.has(file),
    saveFolder: () => join(tmp.path, 'run'),
    writeFile: (path, bytes) => writeFile(path, bytes),
    openFile: async (path) => {
      opened.push(path);
    },
    simulateTheory: async (message) => {
      simulations.push(message);
    },
    log: () => undefined,
    ...overrides,
  };
  return { ctx, posted, opened, simulations, reportsSent: () => reportsSent };
}

describe('messages from the report page', () => {
  it('sends the report when the page is ready, and ignores what is not a message', async () => {
    const { ctx, posted, reportsSent } = context(new FakeUi());
    await handlePanelMessage(ctx, { type: 'ready' });
    await handlePanelMessage(ctx, null);
    await handlePanelMessage(ctx, { type: 'requestDetail' });
    await handlePanelMessage(ctx, { type: 'unknown' });
    assert.equal(reportsSent(), 1);
    assert.deepEqual(posted, []);
  });

  it('checks every message by its schema before its handler sees it', async () => {
    const { ctx, posted, opened, simulations, reportsSent } = context(new FakeUi());
    const malformed = [
      { type: 'requestDetail', file: 3 },
      { type: 'export', format: 'exe', suggestedName: 'a', content: '' },
      { type: 'export', format: 'csv', suggestedName: 'a' },
      { type: 'export', format: 'toString', suggestedName: 'a', content: '' },
      { type: 'openImage', file: null },
      { type: 'simulateTheory', requestId: '1', parameters: {} },
      { type: 'simulateTheory', requestId: 1, parameters: [] },
      { type: 'toString' },
      'ready',
    ];
    for (const message of malformed) await handlePanelMessage(ctx, message);
    assert.deepEqual([posted, opened, simulations, reportsSent()], [[], [], [], 0]);
    const simulate = { type: 'simulateTheory', requestId: 4, parameters: { model: 'two-balls' } };
    await handlePanelMessage(ctx, simulate);
    assert.deepEqual(simulations, [simulate], 'the Theory view\'s request goes to the simulation');
  });

  it('answers a detail request, or says why there is none', async () => {
    const ok = context(new FakeUi());
    await handlePanelMessage(ok.ctx, { type: 'requestDetail', file: '0_dark/00.png' });
    assert.deepEqual(ok.posted, [{ type: 'detail', file: '0_dark/00.png', detail: { file: '0_dark/00.png' } }]);
    const failing = context(new FakeUi(), { detail: async () => Promise.reject(new Error('worker 1 exited with code 1\nstack…')) });
    await handlePanelMessage(failing.ctx, { type: 'requestDetail', file: 'x.png' });
    assert.deepEqual(failing.posted, [{ type: 'detail', file: 'x.png', detail: null, error: 'worker 1 exited with code 1' }]);
  });

  it('saves a chart PNG (data URL decoded to bytes) where the save dialog says', async () => {
    mkdirSync(join(tmp.path, 'out'), { recursive: true });
    const target = join(tmp.path, 'out', 'violin.png');
    const ui = new FakeUi([{ saveFile: target, title: 'Robustness Lens: export PNG' }]);
    const { ctx, posted } = context(ui);
    await handlePanelMessage(ctx, { type: 'export', format: 'png', suggestedName: '../../violin-l2', content: `data:image/png;base64,${onePixelPng}` });
    assert.deepEqual(readFileSync(target), Buffer.from(onePixelPng, 'base64'));
    assert.deepEqual(posted, [{ type: 'exported', format: 'png', path: target }]);
    assert.deepEqual(ui.asked[0], { kind: 'saveFile', title: 'Robustness Lens: export PNG', defaultPath: join(tmp.path, 'run', 'violin-l2.png') });
  });

  it('saves CSV text as UTF-8, and says when the dialog was dismissed or the content is wrong', async () => {
    const target = join(tmp.path, 'out', 'images.csv');
    const saved = context(new FakeUi([{ saveFile: target }]));
    await handlePanelMessage(saved.ctx, { type: 'export', format: 'csv', suggestedName: 'images.csv', content: 'file,ε*\nä.png,0.5\n' });
    assert.equal(readFileSync(target, 'utf8'), 'file,ε*\nä.png,0.5\n');
    const dismissed = context(new FakeUi([{ saveFile: undefined }]));
    await handlePanelMessage(dismissed.ctx, { type: 'export', format: 'json', suggestedName: 'report.json', content: '{}' });
    assert.deepEqual(dismissed.posted, [{ type: 'exported', format: 'json', path: null }]);
    const wrong = context(new FakeUi());
    await handlePanelMessage(wrong.ctx, { type: 'export', format: 'png', suggestedName: 'a.png', content: 'not a data url' });
    assert.deepEqual(wrong.posted, [{ type: 'exported', format: 'png', path: null, error: 'the chart did not arrive as a PNG data URL' }]);
  });

  it('opens a dataset image, and refuses a path that leaves the dataset', async () => {
    const ui = new FakeUi();
    const { ctx, opened } = context(ui);
    await handlePanelMessage(ctx, { type: 'openImage', file: '1_bright/03.png' });
    assert.deepEqual(opened, [join(tmp.path, 'data', '1_bright', '03.png')]);
    await handlePanelMessage(ctx, { type: 'openImage', file: '../../etc/passwd' });
    assert.equal(opened.length, 1);
    assert.deepEqual(ui.messages('error'), ['Robustness Lens: cannot open ../../etc/passwd: ../../etc/passwd is not inside the dataset folder']);
  });

  it('never opens a file outside the run’s dataset: ../, absolute paths, links out, files not in the report', async () => {
    const ui = new FakeUi();
    const { ctx, opened } = context(ui);
    await handlePanelMessage(ctx, { type: 'openImage', file: '2_linked/05.png' });
    assert.deepEqual(opened, [join(tmp.path, 'data', '2_linked', '05.png')], 'a class folder linked from elsewhere is part of the dataset');
    for (const file of ['/etc/passwd', '1_bright/escape.png', '1_bright/../../elsewhere/secret.txt', '1_bright\\..\\..\\x', 'not/in/report.png']) {
      await handlePanelMessage(ctx, { type: 'openImage', file });
    }
    assert.equal(opened.length, 1, opened.join(', '));
    assert.deepEqual(ui.messages('error'), [
      'Robustness Lens: cannot open /etc/passwd: /etc/passwd is not inside the dataset folder',
      'Robustness Lens: cannot open 1_bright/escape.png: 1_bright/escape.png leads out of the dataset folder',
      'Robustness Lens: cannot open 1_bright/../../elsewhere/secret.txt: it is not an image of this report',
      'Robustness Lens: cannot open 1_bright\\..\\..\\x: it is not an image of this report',
      'Robustness Lens: cannot open not/in/report.png: it is not an image of this report',
    ]);
  });

  it('exports only under a bare file name in the run folder, whatever name the page suggests', async () => {
    for (const suggested of ['../../../etc/cron.d/job', '/etc/passwd', '..\\..\\evil', '..', '']) {
      const ui = new FakeUi([{ saveFile: undefined }]);
      const { ctx } = context(ui);
      await handlePanelMessage(ctx, { type: 'export', format: 'csv', suggestedName: suggested, content: 'x' });
      const asked = ui.asked[0] as { defaultPath: string };
      assert.equal(dirname(asked.defaultPath), join(tmp.path, 'run'), `${suggested} → ${asked.defaultPath}`);
      assert.ok(!basename(asked.defaultPath).startsWith('..'), asked.defaultPath);
    }
  });
});

describe('export names and bytes', () => {
  it('keeps a bare file name with the right extension', () => {
    assert.equal(safeExportName('csv', 'images'), 'images.csv');
    assert.equal(safeExportName('html', 'C:\\x\\report.HTML'), 'report.HTML');
    assert.equal(safeExportName('json', ''), 'robustness.json');
    assert.equal(safeExportName('png', 'a:b?.png'), 'a_b_.png');
  });

  it('decodes PNG data URLs and encodes text as UTF-8', () => {
    assert.deepEqual(exportBytes('png', `data:image/png;base64,${onePixelPng}`), Buffer.from(onePixelPng, 'base64'));
    assert.deepEqual(exportBytes('csv', 'é'), Buffer.from([0xc3, 0xa9]));
  });
});
