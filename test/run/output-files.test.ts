import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ImageRecord, Report } from '../../src/protocol/report';
import { formatReportJson } from '../../src/run/report-files';
import { ResultsLog, readResults } from '../../src/run/results-log';
import { settingsDifference, type ResultSettings } from '../../src/run/run-file';
import { temporaryFolder } from './helpers';

const folder = temporaryFolder('files');
after(() => folder.remove());

const record = (file: string, index: number): ImageRecord => ({ file, index, label: 0, predicted: 0, correct: true, adversarial: null, random: [], reason: 'zero gradient' });

describe('images.jsonl', () => {
  it('reads back what was appended', () => {
    const path = join(folder.path, 'a.jsonl');
    const log = new ResultsLog(path);
    log.append(record('a/1.png', 0));
    log.append(record('a/$&2.png', 1));
    log.close();
    assert.deepEqual(readResults(path), [record('a/1.png', 0), record('a/$&2.png', 1)]);
  });

  it('cuts off a line torn by a killed run, so the next append starts a clean line', () => {
    const path = join(folder.path, 'torn.jsonl');
    writeFileSync(path, `${JSON.stringify(record('a/1.png', 0))}\n{"file":"a/2.png","lab`);
    assert.deepEqual(readResults(path), [record('a/1.png', 0)]);
    const log = new ResultsLog(path);
    log.append(record('a/3.png', 2));
    log.close();
    assert.deepEqual(readResults(path), [record('a/1.png', 0), record('a/3.png', 2)]);
  });

  it('refuses a file whose complete lines are not image records', () => {
    const path = join(folder.path, 'foreign.jsonl');
    writeFileSync(path, 'hello\n');
    assert.throws(() => readResults(path), /foreign\.jsonl line 1 is not an image record; use another --out or --fresh/);
    assert.deepEqual(readResults(join(folder.path, 'absent.jsonl')), []);
  });
});

describe('run settings', () => {
  const settings: ResultSettings = {
    model: '/m/model.json', modelHash: 'sha256:1', data: '/d', labels: null, classes: ['a', 'b'], attack: 'fgm-line',
    scales: 256, maxEps: 10, alphas: [1, 2, 5, 10], samples: 2000, seed: 0, clip: false,
  };

  it('names the first setting that changes the results', () => {
    assert.equal(settingsDifference(settings, { ...settings }), null);
    assert.equal(settingsDifference(settings, { ...settings, seed: 3 }), 'seed 0 → 3');
    assert.equal(settingsDifference(settings, { ...settings, alphas: [1, 2] }), 'alphas [1,2,5,10] → [1,2]');
    assert.equal(settingsDifference(settings, { ...settings, modelHash: 'sha256:2' }), 'the model file changed');
    assert.equal(settingsDifference(settings, { ...settings, model: '/elsewhere/model.json' }), null, 'same model content elsewhere');
  });

  it('ignores where the data lives when comparing shards from different machines', () => {
    assert.equal(settingsDifference(settings, { ...settings, data: '/mnt/d' }), 'data "/d" → "/mnt/d"');
    assert.equal(settingsDifference(settings, { ...settings, data: '/mnt/d' }, true), null);
  });
});

describe('report.json format', () => {
  it('is the report as JSON, one line per image', () => {
    const report = {
      tool: { name: 'robustness-lens', version: '0.1.0' },
      config: { model: 'm', classes: ['a'] },
      summary: { images: 2 },
      images: [record('a/$1.png', 0), record('a/2.png', 1)],
      status: 'complete',
    } as unknown as Report;
    const text = formatReportJson(report);
    assert.deepEqual(JSON.parse(text), report);
    assert.ok(text.includes(`\n    ${JSON.stringify(record('a/$1.png', 0))},\n`));
    assert.deepEqual(JSON.parse(formatReportJson({ ...report, images: [] })).images, []);
  });
});
