import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkClasses, classFolders, readLabelNames } from '../../src/extension/class-check';
import { readModelOutputs } from '../../src/worker/model/model-outputs';
import { listDataset } from '../../src/run/dataset';
import { tempFolder, writeBrightnessModel, writeDataset, writeSoftmaxModel } from './fixtures';

const tmp = tempFolder('classes');
after(() => tmp.remove());

describe('class folders', () => {
  it('lists visible folders (also linked ones) in code-unit order, as the run host does', async () => {
    const root = writeDataset(join(tmp.path, 'data'), { b_cat: [0.2], A_dog: [0.8], a_bird: [0.5] });
    mkdirSync(join(root, '.hidden'));
    writeFileSync(join(root, 'README.txt'), 'not a class');
    mkdirSync(join(tmp.path, 'elsewhere'));
    writeDataset(join(tmp.path, 'elsewhere'), { eel: [0.1] });
    symlinkSync(join(tmp.path, 'elsewhere', 'eel'), join(root, 'eel'));
    const folders = await classFolders(root);
    assert.deepEqual(folders, ['A_dog', 'a_bird', 'b_cat', 'eel']);
    assert.deepEqual(folders, (await listDataset(root)).classes);
  });

  it('explains a missing folder and a file given as the dataset', async () => {
    await assert.rejects(classFolders(join(tmp.path, 'nope')), /dataset folder not found/);
    const file = join(tmp.path, 'file.txt');
    writeFileSync(file, 'x');
    await assert.rejects(classFolders(file), /must be a folder of class folders/);
  });
});

describe('classes against the model before anything runs', () => {
  it('accepts 2 class folders for one sigmoid output', async () => {
    const outputs = await readModelOutputs(await writeBrightnessModel(join(tmp.path, 'binary')));
    assert.deepEqual(checkClasses(['cat', 'dog'], outputs), { classes: ['cat', 'dog'] });
  });

  it('rejects 3 class folders for a 2-output model with the count in the message', async () => {
    const outputs = await readModelOutputs(await writeSoftmaxModel(join(tmp.path, 'two'), 2));
    assert.throws(() => checkClasses(['a', 'b', 'c'], outputs), { message: 'dataset has 3 class folders but the model has 2 outputs' });
  });

  it('names the sigmoid when a binary model meets 3 folders', async () => {
    const outputs = await readModelOutputs(await writeBrightnessModel(join(tmp.path, 'binary2')));
    assert.throws(() => checkClasses(['a', 'b', 'c'], outputs), { message: 'dataset has 3 class folders but the model has 1 output (a sigmoid: 2 classes)' });
  });

  it('uses the labels file: its count must match the model and every folder must be in it', async () => {
    const outputs = await readModelOutputs(await writeSoftmaxModel(join(tmp.path, 'three'), 3));
    const labelsPath = join(tmp.path, 'labels.txt');
    writeFileSync(labelsPath, 'zebra\ncat\n\ndog\n');
    const labels = readLabelNames(labelsPath);
    assert.deepEqual(checkClasses(['cat', 'dog'], outputs, labels), { classes: ['zebra', 'cat', 'dog'] });
    assert.throws(() => checkClasses(['cat', 'emu'], outputs, labels), /class folder "emu" not in the labels file/);
    const twoLabels = join(tmp.path, 'two.txt');
    writeFileSync(twoLabels, 'cat\ndog\n');
    assert.throws(() => checkClasses(['cat', 'dog'], outputs, readLabelNames(twoLabels)), { message: 'the labels file names 2 classes but the model has 3 outputs' });
  });

  it('rejects a dataset without class folders, and lets an unknown output count through', () => {
    assert.throws(() => checkClasses([], null), /no class folders/);
    assert.deepEqual(checkClasses(['a', 'b', 'c'], null), { classes: ['a', 'b', 'c'] });
  });
});
