/**
 * Detail views (original, adversarial, perturbation, random non-flip) for the report panel: taken
 * from the run's details.json when the run drew them, else drawn by one worker process started on
 * first use and stopped after a while without requests.
 */
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { attackNames, isAttackName, type AttackName } from '../engine/attacks/names';
import type { ImageDetail, ImageTask } from '../protocol/messages';
import type { Report } from '../protocol/report';
import { listDataset, type DatasetListing } from '../run/dataset';
import { findTask } from '../run/task-list';
import { isWithin } from '../run/folder-walk';
import { WorkerPool } from '../run/pool';
import { IdleTimer } from './idle-timer';

export interface DetailServiceOptions {
  report: Report;
  /** Absolute paths of the report's model and dataset (a CLI run may have stored relative ones). */
  modelPath: string;
  dataDir: string;
  /** The run folder, for its details.json. */
  runDir?: string;
  workerScript: string;
  nodePath?: string;
  log(line: string): void;
  /** Drawing a detail runs the model: only where the workspace is trusted. */
  mayRunModels(): boolean;
  idleMs?: number;
}

export class DetailService {
  private stored: Map<string, ImageDetail> | null = null;
  private pool: WorkerPool | null = null;
  private readonly idleTimer: IdleTimer;
  private inFlight = 0;
  private disposed = false;
  private listing: Promise<DatasetListing> | null = null;

  constructor(private readonly options: DetailServiceOptions) {
    this.idleTimer = new IdleTimer(() => this.stopPool(), options.idleMs);
  }

  async detail(file: string): Promise<ImageDetail> {
    const stored = await this.storedDetails();
    const found = stored.get(file);
    if (found) return found;
    const record = this.options.report.images.find((image) => image.file === file);
    if (!record) throw new Error(`${file} is not in this report`);
    if (!this.options.mayRunModels()) throw new Error('drawing this image runs the model, which Robustness Lens only does in a trusted workspace');
    const task: ImageTask = await this.taskOf(file, record.index ?? 0, record.label);
    this.inFlight++;
    this.idleTimer.stop();
    try {
      const pool = this.startPool();
      await pool.ready;
      return await pool.detail(task, record);
    } catch (error) {
      // A failed pool is not reused: the next request starts a fresh worker.
      this.stopPool();
      throw error;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.pool) this.idleTimer.start();
    }
  }

  /** An image file under the dataset folder, or an image of another source format (found again by listing it, once). */
  private async taskOf(file: string, index: number, label: number): Promise<ImageTask> {
    const config = this.options.report.config;
    if ((config.dataFormat ?? 'folder') === 'folder') return { index, file, path: await datasetImagePath(this.options.dataDir, file), label };
    this.listing ??= listDataset(this.options.dataDir, config.labels ?? undefined, { dataLabels: config.dataLabels ?? undefined, classes: config.classSubset ?? undefined });
    const found = findTask((await this.listing).images, (task) => task.file === file);
    if (!found) throw new Error(`${file} is no longer in ${this.options.dataDir}`);
    return { ...found, index, label };
  }

  dispose(): void {
    this.disposed = true;
    this.idleTimer.stop();
    this.stopPool();
  }

  private async storedDetails(): Promise<Map<string, ImageDetail>> {
    if (this.stored) return this.stored;
    const stored = new Map<string, ImageDetail>();
    if (this.options.runDir) {
      try {
        const parsed = JSON.parse(await readFile(join(this.options.runDir, 'details.json'), 'utf8')) as unknown;
        if (Array.isArray(parsed)) for (const d of parsed as ImageDetail[]) if (typeof d?.file === 'string') stored.set(d.file, d);
      } catch {
        // no details.json (an older or unfinished run): every detail is drawn on request
      }
    }
    this.stored = stored;
    return stored;
  }

  private startPool(): WorkerPool {
    if (this.disposed) throw new Error('the report panel was closed');
    if (this.pool) return this.pool;
    const config = this.options.report.config;
    this.options.log(`Starting a worker to draw image details (${this.options.modelPath}, ${config.backend})`);
    this.pool = new WorkerPool(
      {
        workerScript: this.options.workerScript,
        nodePath: this.options.nodePath,
        size: 1,
        init: {
          type: 'init',
          modelPath: this.options.modelPath,
          backend: config.executionProvider === 'cuda' || config.executionProvider === 'webgpu' ? config.executionProvider : config.backend === 'onnxruntime' ? 'auto' : config.backend,
          ...(config.preprocess ? { preprocessing: config.preprocess } : {}),
          // Reports from before the forward field ran everything on TF.js.
          forward: config.forward === 'onnxruntime' ? 'auto' : 'tfjs',
          settings: { attack: attackOf(config.attack), ...(config.attackOptions ? { attackOptions: config.attackOptions } : {}), scales: config.scales, maxEps: config.maxEps, alphas: config.alphas, samples: config.samples, seed: config.seed, clip: config.clip },
          classNames: config.classes,
        },
      },
      {
        progress: () => undefined,
        result: () => undefined,
        imageError: (task, message) => this.options.log(`detail of ${task.file}: ${message}`),
        imageFailed: (task, reason) => this.options.log(`detail of ${task.file}: ${reason}`),
        log: (message) => this.options.log(`detail worker: ${message}`),
      },
    );
    return this.pool;
  }

  private stopPool(): void {
    const pool = this.pool;
    this.pool = null;
    void pool?.close();
  }
}

/**
 * The path of a report's image that the extension may read or open: inside the dataset folder by
 * name, and, once links are resolved, inside the dataset folder or its class folder (which may be
 * a link to a folder elsewhere, as the dataset walker allows: src/run/folder-walk.ts). Anything
 * else — `../`, an absolute path, a link out of the dataset — is refused.
 */
export async function datasetImagePath(dataDir: string, file: string): Promise<string> {
  const path = imagePath(dataDir, file);
  const classFolder = join(resolve(dataDir), file.split('/')[0]);
  const [real, realData, realClass] = await Promise.all([realpath(path), realpath(dataDir), realpath(classFolder)]).catch(() => {
    throw new Error(`${file} is not in the dataset folder any more`);
  });
  if (!isWithin(real, realData) && !isWithin(real, realClass)) throw new Error(`${file} leads out of the dataset folder`);
  return path;
}

/** The image's path under the dataset folder; a `file` that would leave the folder is refused. */
export function imagePath(dataDir: string, file: string): string {
  if (file.includes('\\') || file.includes('\0') || isAbsolute(file)) throw new Error(`${file} is not inside the dataset folder`);
  const path = resolve(dataDir, ...file.split('/'));
  const rel = relative(resolve(dataDir), path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${file} is not inside the dataset folder`);
  return path;
}

/** The report's attack, which the detail worker runs again to draw the adversarial image. */
function attackOf(name: string): AttackName {
  if (!isAttackName(name)) throw new Error(`the report's attack "${name}" is unknown to this version (known: ${attackNames.join(', ')})`);
  return name;
}
