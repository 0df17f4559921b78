/**
 * The worker pool's queue: tasks handed back (a dead worker's unstarted ones) first, then the lists
 * given to run, each made task by task as workers take them, so a large array dataset is never
 * held as one object per image.
 */
import type { ImageTask } from '../protocol/messages';
import { taskArray, type TaskList } from './task-list';

export class TaskQueue {
  private readonly handedBack: ImageTask[] = [];
  private readonly lists: { list: TaskList; next: number }[] = [];

  get length(): number {
    return this.handedBack.length + this.lists.reduce((n, { list, next }) => n + list.length - next, 0);
  }

  add(tasks: TaskList | readonly ImageTask[]): void {
    const list = Array.isArray(tasks) ? taskArray(tasks) : (tasks as TaskList);
    if (list.length > 0) this.lists.push({ list, next: 0 });
  }

  /** Up to `count` tasks from the front. */
  take(count: number): ImageTask[] {
    const taken = this.handedBack.splice(0, count);
    while (taken.length < count && this.lists.length > 0) {
      const head = this.lists[0];
      taken.push(head.list.at(head.next++));
      if (head.next === head.list.length) this.lists.shift();
    }
    return taken;
  }

  /** Tasks taken and not done go back to the front, in order. */
  putBack(tasks: readonly ImageTask[]): void {
    this.handedBack.unshift(...tasks);
  }

  clear(): void {
    this.handedBack.length = 0;
    this.lists.length = 0;
  }
}
