/**
 * Walks a dataset folder laid out as `<root>/<class>/<files at any depth>` and says what it left
 * out and why. Symbolic links:
 *  - a class folder may itself be a link to a folder anywhere (a common way to assemble a dataset);
 *  - inside a class, a link is followed only when it stays within that class's own folder (its real
 *    path): a link out of it would bring in files of another class under the wrong label, or files
 *    from outside the dataset;
 *  - no folder is visited twice (a link back to a parent is a loop), and no file is listed twice.
 * Hidden entries (names starting with '.') are ignored, as before.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { FileReason } from '../protocol/report';

export interface ClassFolderWalk {
  /** Class folder names at the top level, sorted by code unit. */
  classFolders: string[];
  /** Files of each class folder, as '/'-separated paths from the root (`<class>/…`), sorted. */
  files: Map<string, string[]>;
  /** Entries left out, with the reason, sorted by path. */
  skipped: FileReason[];
}

interface ClassRoot {
  name: string;
  real: string;
  /** The class listed first with the same real folder, when this one repeats it. */
  sameAs: string | null;
}

/** The walk of `root` (an absolute folder path). */
export async function walkClassFolders(root: string): Promise<ClassFolderWalk> {
  const realRoot = await realpath(root);
  const skipped: FileReason[] = [];
  const classRoots: ClassRoot[] = [];
  // Every folder listed so far, by real path, with how the report names it.
  const claimed = new Map<string, string>([[realRoot, 'the dataset folder']]);

  for (const entry of await visibleEntries(root)) {
    const path = join(root, entry.name);
    if (entry.isSymbolicLink()) {
      const target = await linkTarget(path);
      if (!target) {
        skipped.push({ file: entry.name, reason: 'broken symbolic link' });
      } else if (target.isDirectory && isWithin(realRoot, target.real)) {
        skipped.push({ file: entry.name, reason: 'symbolic link to a folder that holds the dataset folder (a loop)' });
      } else if (target.isDirectory) {
        classRoots.push({ name: entry.name, real: target.real, sameAs: null });
      } else {
        skipped.push({ file: entry.name, reason: besideClassFolders });
      }
    } else if (entry.isDirectory()) {
      classRoots.push({ name: entry.name, real: join(realRoot, entry.name), sameAs: null });
    } else {
      skipped.push({ file: entry.name, reason: entry.isFile() ? besideClassFolders : notRegular });
    }
  }
  // Claimed before any is walked, so a folder reached from another class is never taken under the wrong label.
  for (const classRoot of classRoots) {
    const owner = claimed.get(classRoot.real);
    if (owner !== undefined) classRoot.sameAs = owner;
    else claimed.set(classRoot.real, `the folder of class ${classRoot.name}`);
  }

  const files = new Map<string, string[]>();
  const seenFiles = new Map<string, string>();
  for (const classRoot of classRoots) {
    const listed: string[] = [];
    if (classRoot.sameAs !== null) {
      skipped.push({ file: classRoot.name, reason: `the same folder as ${classRoot.sameAs}` });
    } else {
      await walkFolder(join(root, classRoot.name), classRoot.name, classRoot.real, classRoot.real, { claimed, seenFiles, skipped, listed });
    }
    files.set(classRoot.name, listed.sort(compareCodeUnits));
  }
  return {
    classFolders: classRoots.map((classRoot) => classRoot.name),
    files,
    skipped: skipped.sort((a, b) => compareCodeUnits(a.file, b.file)),
  };
}

const besideClassFolders = 'a file beside the class folders (images go in <class>/)';
const notRegular = 'not a regular file or folder';

interface WalkState {
  claimed: Map<string, string>;
  /** Real path of every file listed → its listed path. */
  seenFiles: Map<string, string>;
  skipped: FileReason[];
  listed: string[];
}

/** Lists `dir` (shown as `relative`, at real path `realDir`) within the class folder at `classReal`. */
async function walkFolder(dir: string, relative: string, realDir: string, classReal: string, state: WalkState): Promise<void> {
  for (const entry of await visibleEntries(dir)) {
    const path = join(dir, entry.name);
    const shown = `${relative}/${entry.name}`;
    let real = join(realDir, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await linkTarget(path);
      if (!target) {
        state.skipped.push({ file: shown, reason: 'broken symbolic link' });
        continue;
      }
      if (!isWithin(target.real, classReal)) {
        state.skipped.push({ file: shown, reason: `symbolic link out of its class folder (to ${target.real})` });
        continue;
      }
      ({ real, isDirectory, isFile } = target);
    }
    if (isDirectory) {
      const owner = state.claimed.get(real);
      if (owner !== undefined) {
        state.skipped.push({ file: shown, reason: `a folder already listed (${owner})` });
        continue;
      }
      state.claimed.set(real, shown);
      await walkFolder(path, shown, real, classReal, state);
    } else if (isFile) {
      const first = state.seenFiles.get(real);
      if (first !== undefined) {
        state.skipped.push({ file: shown, reason: `the same file as ${first}` });
        continue;
      }
      state.seenFiles.set(real, shown);
      state.listed.push(shown);
    } else {
      state.skipped.push({ file: shown, reason: notRegular });
    }
  }
}

/** Non-hidden entries of `dir`, sorted by name (so which of two equal links is kept never depends on the file system). */
async function visibleEntries(dir: string): Promise<Dirent[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.'));
  return entries.sort((a, b) => compareCodeUnits(a.name, b.name));
}

async function linkTarget(path: string): Promise<{ real: string; isDirectory: boolean; isFile: boolean } | null> {
  try {
    const [real, target] = await Promise.all([realpath(path), stat(path)]);
    return { real, isDirectory: target.isDirectory(), isFile: target.isFile() };
  } catch {
    return null;
  }
}

/** Whether `path` is `folder` or inside it (both real, absolute). */
export function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
