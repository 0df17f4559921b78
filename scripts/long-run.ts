// Load check: one long run of the real CLI (10 000 images, 2 workers by default) on a tiny real TF.js
// model, sampling every window of images the throughput and the resident memory of the CLI and its
// workers, to show both flat from start to end. Usage (after npm run build):
//   node --import tsx scripts/long-run.ts [--images 10000] [--workers 2] [--window 1000]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGrayPng } from '../test/run/helpers';
import { writeBrightnessModel } from '../test/cli/tinyModel';

const flag = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return Number(at < 0 ? fallback : process.argv[at + 1]);
};
const images = flag('--images', '10000');
const workers = flag('--workers', '2');
const window = flag('--window', '1000');
const root = join(__dirname, '..');

function residentMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((candidate) => {
    try {
      const stat = readFileSync(`/proc/${candidate}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'rl-long-run-'));
  const model = await writeBrightnessModel(join(work, 'model'), 8);
  for (let i = 0; i < images; i++) {
    const cls = i % 2 === 0 ? 'dark' : 'light';
    const base = cls === 'dark' ? 60 : 190;
    writeGrayPng(join(work, 'data', cls, `${String(i).padStart(6, '0')}.png`), 8, (x, y) => base + ((x * 7 + y * 3 + i * 11) % 40) - 20);
  }
  const args = [join(root, 'dist', 'cli.js'), 'check', '--model', model, '--data', join(work, 'data'), '--out', join(work, 'out'), '--samples', '100', '--scales', '64', '--max-eps', '4', '--workers', String(workers), '--details', '0', '--no-universality'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const start = Date.now();
  let last = { done: 0, at: start };
  const rows: string[] = [];
  let buffer = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    buffer += text;
    const lines = buffer.split(/[\r\n]/);
    buffer = lines.pop() as string;
    for (const line of lines) {
      const match = /^(\d+)\/(\d+) images/.exec(line.trim());
      if (!match) continue;
      const done = Number(match[1]);
      if (done - last.done < window && done !== images) continue;
      const now = Date.now();
      const pids = childrenOf(child.pid as number);
      const workerMb = pids.map(residentMb);
      rows.push(`| ${done} | ${((now - start) / 1000).toFixed(0)} | ${((done - last.done) / ((now - last.at) / 1000)).toFixed(1)} | ${residentMb(child.pid as number).toFixed(0)} | ${workerMb.map((mb) => mb.toFixed(0)).join(', ')} |`);
      last = { done, at: now };
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  console.log(`| images done | seconds | images/s in the window | CLI RSS, MB | worker RSS, MB |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}`);
  console.log(`exit ${code}; ${images} images, ${workers} workers, ${((Date.now() - start) / 1000).toFixed(0)} s`);
  rmSync(work, { recursive: true, force: true });
}

void main();
