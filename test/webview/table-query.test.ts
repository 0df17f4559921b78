/** Filtering and sorting of the per-image table (the logic behind the virtual grid). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageColumns } from '../../webview/table/columns';
import { defaultSort, noFilter, queryRows } from '../../webview/table/query';
import { fixtureReport } from './browser';

describe('queryRows', () => {
  const report = fixtureReport();
  const columns = imageColumns(report.config);
  const images = report.images;

  it('filters by class, correctness, susceptibility and text', () => {
    const byClass = queryRows(images, { ...noFilter, label: 1 }, defaultSort, columns);
    assert.deepEqual(byClass, images.flatMap((r, i) => (r.label === 1 ? [i] : [])));
    const incorrect = queryRows(images, { ...noFilter, correct: 'incorrect' }, defaultSort, columns);
    assert.deepEqual(incorrect.map((i) => images[i].correct), incorrect.map(() => false));
    assert.equal(incorrect.length, report.summary.images - report.summary.correct);
    assert.equal(queryRows(images, { ...noFilter, susceptibility: 'susceptible' }, defaultSort, columns).length, report.summary.adversarial.susceptible);
    assert.equal(queryRows(images, { ...noFilter, susceptibility: 'not-susceptible' }, defaultSort, columns).length, report.summary.correct - report.summary.adversarial.susceptible);
    const randomly = queryRows(images, { ...noFilter, susceptibility: 'random' }, defaultSort, columns);
    assert.ok(randomly.every((i) => images[i].random.some((r) => r.flips > 0)));
    const needle = images[7].file.slice(-9);
    assert.deepEqual(queryRows(images, { ...noFilter, text: needle.toUpperCase() }, defaultSort, columns).map((i) => images[i].file), images.filter((r) => r.file.includes(needle)).map((r) => r.file));
  });

  it('sorts numbers both ways with missing values last', () => {
    const up = queryRows(images, noFilter, { key: 'eps', direction: 'ascending' }, columns).map((i) => images[i].adversarial?.eps ?? null);
    const down = queryRows(images, noFilter, { key: 'eps', direction: 'descending' }, columns).map((i) => images[i].adversarial?.eps ?? null);
    const present = up.filter((v) => v !== null) as number[];
    assert.deepEqual(present, [...present].sort((a, b) => a - b));
    assert.deepEqual(down.filter((v) => v !== null), [...present].sort((a, b) => b - a));
    assert.equal(up.indexOf(null), present.length, 'nulls after every number ascending');
    assert.equal(down.indexOf(null), present.length, 'nulls after every number descending');
  });
});
