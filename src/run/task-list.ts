/**
 * The images of a run as a list whose tasks are made when asked for. A class folder's tasks are an
 * array (one file each, listed anyway); an array dataset's are made from its description and a
 * typed array of labels (source.ts), and a selection or a class subset is a typed array of
 * positions into the list it was taken from. So the run host holds a few bytes per image of an
 * array dataset, not an object, and the worker pool makes each task as it hands it out.
 */
import type { ImageTask } from '../protocol/messages';

export interface TaskList extends Iterable<ImageTask> {
  readonly length: number;
  /** The task at `position` (0 ≤ position < length); a compact list makes a new object each time. */
  at(position: number): ImageTask;
  /** The task's `index`, without making it. */
  indexAt(position: number): number;
  /** The task's `label`, without making it. */
  labelAt(position: number): number;
}

/** A list given `length` and `at`: `indexAt`, `labelAt` (which make the task; override them where that can be avoided) and iteration. */
export abstract class TaskListBase implements TaskList {
  abstract readonly length: number;
  abstract at(position: number): ImageTask;

  indexAt(position: number): number {
    return this.at(position).index;
  }

  labelAt(position: number): number {
    return this.at(position).label;
  }

  *[Symbol.iterator](): Iterator<ImageTask> {
    for (let position = 0; position < this.length; position++) yield this.at(position);
  }
}

class ArrayTasks extends TaskListBase {
  constructor(private readonly tasks: readonly ImageTask[]) {
    super();
  }

  get length(): number {
    return this.tasks.length;
  }

  at(position: number): ImageTask {
    return this.tasks[position];
  }
}

/** Tasks listed one by one (a class folder, a CSV folder, tests). */
export function taskArray(tasks: readonly ImageTask[]): TaskList {
  return new ArrayTasks(tasks);
}

/** Positions into another list; `relabel` (a class subset) renumbers each task's index to its position here and maps its label. */
class PickedTasks extends TaskListBase {
  constructor(
    private readonly base: TaskList,
    private readonly positions: Uint32Array,
    private readonly relabel?: (label: number) => number,
  ) {
    super();
  }

  get length(): number {
    return this.positions.length;
  }

  at(position: number): ImageTask {
    const task = this.base.at(this.positions[position]);
    return this.relabel ? { ...task, index: position, label: this.relabel(task.label) } : task;
  }

  override indexAt(position: number): number {
    return this.relabel ? position : this.base.indexAt(this.positions[position]);
  }

  override labelAt(position: number): number {
    const label = this.base.labelAt(this.positions[position]);
    return this.relabel ? this.relabel(label) : label;
  }
}

/** The tasks of `list` at `positions`, as they are (a selection: --limit, --sample, --shard, what is left to analyse). */
export function pickTasks(list: TaskList, positions: Uint32Array): TaskList {
  return new PickedTasks(list, positions);
}

/** The tasks of `list` at `positions`, numbered 0, 1, … in that order and labelled again (a class subset). */
export function relabelTasks(list: TaskList, positions: Uint32Array, relabel: (label: number) => number): TaskList {
  return new PickedTasks(list, positions, relabel);
}

/** The positions 0 ≤ p < length where `keep(p)`, in order. */
export function positionsWhere(length: number, keep: (position: number) => boolean): Uint32Array {
  let found = new Uint32Array(Math.min(length, 1024));
  let count = 0;
  for (let position = 0; position < length; position++) {
    if (!keep(position)) continue;
    if (count === found.length) {
      const grown = new Uint32Array(Math.min(length, found.length * 2));
      grown.set(found);
      found = grown;
    }
    found[count++] = position;
  }
  return found.slice(0, count);
}

/** The tasks of `list` for which `keep(position)` holds, as they are. */
export function filterTasks(list: TaskList, keep: (position: number) => boolean): TaskList {
  return pickTasks(list, positionsWhere(list.length, keep));
}

/** The first task `matches`, or undefined. */
export function findTask(list: TaskList, matches: (task: ImageTask) => boolean): ImageTask | undefined {
  for (const task of list) if (matches(task)) return task;
  return undefined;
}
