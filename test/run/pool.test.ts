import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { ImageDetail, ImageTask } from '../../src/protocol/messages';
import type { ImageRecord } from '../../src/protocol/report';
import { WorkerPool, workerEnvironment, type FailureCause, type InitMessage, type PoolListener } from '../../src/run/pool';
import { temporaryFolder, writeFakeWorker, type FakeWorkerBehaviour } from './helpers';

const folder = temporaryFolder('pool');
after(() => folder.remove());

const init: InitMessage = {
  type: 'init',
  modelPath: '/nowhere/model.json',
  backend: 'cpu',
  forward: 'tfjs',
  settings: { attack: 'fgm-line', scales: 8, maxEps: 4, alphas: [1, 2], samples: 10, seed: 0, clip: false },
  classNames: ['a', 'b'],
};

const tasks: ImageTask[] = Array.from({ length: 9 }, (_, index) => ({ index, file: `a/${index}.png`, path: `/data/a/${index}.png`, label: 0 }));

let workerCount = 0;
function fakeWorker(behaviour: FakeWorkerBehaviour): string {
  const dir = `${folder.path}/w${workerCount++}`;
  mkdirSync(dir);
  return writeFakeWorker(dir, behaviour);
}

function recordingListener() {
  const results: ImageRecord[] = [];
  const failures: { file: string; message: string }[] = [];
  const failed: { file: string; reason: string; cause: FailureCause }[] = [];
  const logs: string[] = [];
  const listener: PoolListener = {
    progress: () => undefined,
    result: (record) => results.push(record),
    imageError: (task, message) => failures.push({ file: task.file, message }),
    imageFailed: (task, reason, cause) => failed.push({ file: task.file, reason, cause }),
    log: (message) => logs.push(message),
  };
  return { results, failures, failed, logs, listener };
}

describe('WorkerPool', () => {
  it('streams one result per task back from several workers and exits them on close', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({}), size: 3, init }, seen.listener);
    const model = await pool.ready;
    assert.equal(model.classCount, 2);
    await pool.run(tasks);
    assert.deepEqual(seen.results.map((r) => r.index).sort((a, b) => (a as number) - (b as number)), tasks.map((t) => t.index));
    assert.deepEqual(new Set(seen.results.map((r) => r.file)), new Set(tasks.map((t) => t.file)));
    assert.ok(seen.logs.some((line) => /^worker \d: analysing a\/0\.png$/.test(line)), 'worker stdout is forwarded as log lines');
    await pool.close();
  });

  const sortedIndexes = (records: ImageRecord[]) => records.map((r) => r.index as number).sort((a, b) => a - b);

  it('replaces a worker killed mid-image and retries the image once on the fresh one', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ killOnceOn: 'a/4.png' }), size: 2, init }, seen.listener);
    await pool.ready;
    await pool.run(tasks);
    assert.deepEqual(sortedIndexes(seen.results), tasks.map((t) => t.index), 'every image has its result, the killed one too');
    assert.deepEqual(seen.failed, []);
    assert.ok(seen.logs.some((line) => /^worker \d was killed by SIGKILL while analysing a\/4\.png; a new worker retries it$/.test(line)), seen.logs.join('\n'));
    await pool.close();
  });

  it('records an image that kills two workers as failed, and finishes the others', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ crashOn: 'a/4.png' }), size: 2, init }, seen.listener);
    await pool.ready;
    await pool.run(tasks);
    assert.deepEqual(seen.failed, [
      { file: 'a/4.png', reason: 'the worker analysing it exited with code 3 (2 times, each on a fresh worker): boom on a/4.png', cause: 'worker-died' },
    ]);
    assert.deepEqual(sortedIndexes(seen.results), [0, 1, 2, 3, 5, 6, 7, 8]);
    await pool.close();
    await pool.exited;
  });

  it('sends a universality batch whose worker died to the worker that replaces it', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ killOnceOnUniversality: true }), size: 1, init }, seen.listener);
    await pool.ready;
    const work = { label: 0, sources: [{ task: tasks[0], eps: 1 }], targets: tasks.slice(1, 4) };
    assert.deepEqual(await pool.universality(work), { sources: [{ index: 0, targets: 3, flips: 0, baselineFlips: 0 }] });
    assert.ok(seen.logs.some((line) => /^worker 1 was killed by SIGKILL; starting a new worker$/.test(line)), seen.logs.join('\n'));
    await pool.close();
  });

  it('replaces a worker whose IPC channel closed while it lived on', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ disconnectOnceOn: 'a/2.png' }), size: 1, init }, seen.listener);
    await pool.ready;
    await pool.run(tasks);
    assert.deepEqual(sortedIndexes(seen.results), tasks.map((t) => t.index));
    assert.ok(seen.logs.some((line) => /^worker 1 was killed by SIGKILL while analysing a\/2\.png; a new worker retries it$/.test(line)), seen.logs.join('\n'));
    await pool.close();
  });

  it('reports images with non-finite outputs as failed, not as skipped', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ nonFiniteOn: ['a/3.png'] }), size: 2, init }, seen.listener);
    await pool.ready;
    await pool.run(tasks);
    assert.deepEqual(seen.failed, [{ file: 'a/3.png', reason: "a/3.png: the model's outputs are not finite (NaN, NaN)", cause: 'non-finite' }]);
    assert.deepEqual(seen.failures, []);
    assert.equal(seen.results.length, tasks.length - 1);
    await pool.close();
  });

  it('ends the run when a worker dies loading the model before any worker loaded it', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ fatalOnInit: 'out of memory' }), size: 1, init }, seen.listener);
    await assert.rejects(pool.ready, /^Error: out of memory$/);
    await assert.rejects(pool.run(tasks), /out of memory/);
    await pool.exited;
  });

  it('rejects ready with the worker’s one-line reason when the model cannot load', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ fatalOnInit: 'model.json is not a TF.js model' }), size: 2, init }, seen.listener);
    await assert.rejects(pool.ready, /^Error: model\.json is not a TF\.js model$/);
    await pool.exited;
  });

  it('goes on past an image the worker could not read, reporting it once', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ failOn: 'a/2.png' }), size: 2, init }, seen.listener);
    await pool.ready;
    await pool.run(tasks);
    assert.deepEqual(seen.failures, [{ file: 'a/2.png', message: 'cannot decode a/2.png' }]);
    assert.equal(seen.results.length, tasks.length - 1);
    await pool.close();
  });

  it('cancels promptly: run settles, finished results are kept, a worker that ignores cancel is killed', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ delayMs: 250, ignoreCancel: true }), size: 2, init, cancelGraceMs: 200 }, seen.listener);
    await pool.ready;
    const running = pool.run(tasks);
    while (seen.results.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await pool.cancel();
    await running;
    assert.ok(seen.results.length < tasks.length, 'cancel stopped the run early');
    assert.deepEqual(await pool.run(tasks.slice(0, 1)), undefined, 'a cancelled pool runs nothing more');
  });

  it('draws image details on request', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({}), size: 2, init }, seen.listener);
    await pool.ready;
    await pool.run(tasks.slice(0, 2));
    const details: ImageDetail[] = await Promise.all(seen.results.map((record) => pool.detail(tasks[record.index as number], record)));
    assert.deepEqual(details.map((d) => d.file).sort(), ['a/0.png', 'a/1.png']);
    await pool.close();
  });

  it('rejects a detail request the worker answers with an error', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({ detailFailsOn: 'a/1.png' }), size: 1, init }, seen.listener);
    await pool.ready;
    await pool.run(tasks.slice(0, 2));
    const [first, second] = seen.results;
    await assert.rejects(pool.detail(tasks[1], second), { message: 'cannot draw a/1.png' });
    assert.equal((await pool.detail(tasks[0], first)).file, 'a/0.png');
    await pool.close();
  });

  it('says so when the Node executable for workers does not exist', async () => {
    const seen = recordingListener();
    const pool = new WorkerPool({ workerScript: fakeWorker({}), nodePath: '/no/such/node', size: 1, init }, seen.listener);
    await assert.rejects(pool.ready, /could not run worker 1 with \/no\/such\/node: spawn \/no\/such\/node ENOENT/);
    await pool.exited;
  });

  it('asks Electron to run workers as Node, and leaves Node alone', () => {
    const versions = { ...process.versions };
    assert.equal(workerEnvironment({ PATH: '/bin' }, { ...versions, electron: '30.0.0' }).ELECTRON_RUN_AS_NODE, '1');
    assert.deepEqual(workerEnvironment({ PATH: '/bin' }, versions), { PATH: '/bin' });
    assert.deepEqual(workerEnvironment({ PATH: '/bin' }, versions, 64), { PATH: '/bin', ROBUSTNESS_LENS_BATCH_MB: '64' });
  });
});
