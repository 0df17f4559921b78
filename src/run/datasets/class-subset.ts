/**
 * --classes: a run on some of a dataset's classes, in the order given, which becomes the model's
 * output order (as in the paper's pairwise setup: `--classes 7,8` on Fashion-MNIST makes
 * Sneaker label 0 and Bag label 1 for a binary Sneaker-vs-Bag model). Each entry names a class,
 * or is its index among the dataset's classes. Images of other classes are left out, and the rest
 * are numbered again so that --limit, --sample and --shard apply to the subset. Pure.
 */
import type { DatasetListing } from '../dataset';
import { positionsWhere, relabelTasks } from '../task-list';

/** The dataset class indices `entries` name, in their order; throws one line on an unknown or repeated class. */
export function resolveClasses(entries: readonly string[], classes: readonly string[]): number[] {
  if (entries.length === 0) throw new Error('--classes needs at least one class');
  const byName = new Map(classes.map((name, index) => [name, index]));
  const chosen = entries.map((entry) => {
    const named = byName.get(entry);
    if (named !== undefined) return named;
    if (/^\d+$/.test(entry) && Number(entry) < classes.length) return Number(entry);
    const shown = classes.length > 12 ? `${classes.slice(0, 12).join(', ')}, …` : classes.join(', ');
    throw new Error(`--classes: "${entry}" is neither a class name nor a class index 0…${classes.length - 1} of the data (${shown})`);
  });
  const repeated = chosen.find((index, i) => chosen.indexOf(index) !== i);
  if (repeated !== undefined) throw new Error(`--classes names class "${classes[repeated]}" twice`);
  return chosen;
}

export function restrictToClasses(listing: DatasetListing, entries: readonly string[]): DatasetListing {
  const chosen = resolveClasses(entries, listing.classes);
  const newLabel = new Map(chosen.map((datasetLabel, label) => [datasetLabel, label]));
  const positions = positionsWhere(listing.images.length, (position) => newLabel.has(listing.images.labelAt(position)));
  const images = relabelTasks(listing.images, positions, (label) => newLabel.get(label) as number);
  if (images.length === 0) throw new Error(`no images of the classes ${chosen.map((index) => listing.classes[index]).join(', ')}`);
  return { ...listing, classes: chosen.map((index) => listing.classes[index]), images };
}
