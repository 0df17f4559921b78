// The agreement figure of docs/protocol.md ("Rare-event estimates"): on a run made with
// --rare-event, how often the estimator's interval overlaps Monte Carlo's two-sided Clopper–Pearson
// interval at the same confidence, per α, over the susceptible images where Monte Carlo sees a flip
// and over all susceptible images.
// Usage: node --import tsx scripts/rare-event-agreement.ts <run folder with images.jsonl>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clopperPearson } from '../src/engine/statistics';
import type { ImageRecord } from '../src/protocol/report';

interface Tally {
  withFlips: number;
  overlapWithFlips: number;
  all: number;
  overlapAll: number;
  forwardPasses: number[];
}

function main(): void {
  const folder = process.argv[2];
  if (!folder) {
    console.error('usage: node --import tsx scripts/rare-event-agreement.ts <run folder with images.jsonl>');
    process.exit(2);
  }
  const records = readFileSync(join(folder, 'images.jsonl'), 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as ImageRecord);
  const tallies = new Map<number, Tally>();
  for (const record of records) {
    for (const random of record.random) {
      const estimate = random.rareEvent;
      if (!estimate) continue;
      const tally = tallies.get(random.alpha) ?? { withFlips: 0, overlapWithFlips: 0, all: 0, overlapAll: 0, forwardPasses: [] };
      tallies.set(random.alpha, tally);
      const monteCarlo = clopperPearson(random.flips, random.samples, estimate.confidence);
      const [lower, upper] = estimate.interval;
      const overlaps = lower <= monteCarlo.upper && monteCarlo.lower <= upper;
      tally.all++;
      if (overlaps) tally.overlapAll++;
      if (random.flips > 0) {
        tally.withFlips++;
        if (overlaps) tally.overlapWithFlips++;
      }
      tally.forwardPasses.push(estimate.forwardPasses);
    }
  }
  if (tallies.size === 0) {
    console.error(`${folder}: no rare-event estimates in images.jsonl (was the run made with --rare-event?)`);
    process.exit(1);
  }
  const percent = (part: number, whole: number) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`);
  console.log(`${records.length} images in ${folder}`);
  console.log('| α | Monte Carlo sees a flip: overlap | all susceptible images: overlap | forward passes per estimate (mean, median) |');
  console.log('| --- | --- | --- | --- |');
  for (const [alpha, tally] of [...tallies].sort(([a], [b]) => a - b)) {
    const passes = [...tally.forwardPasses].sort((a, b) => a - b);
    const mean = passes.reduce((sum, p) => sum + p, 0) / passes.length;
    console.log(
      `| ${alpha} | ${tally.overlapWithFlips}/${tally.withFlips} (${percent(tally.overlapWithFlips, tally.withFlips)}) | ${tally.overlapAll}/${tally.all} (${percent(tally.overlapAll, tally.all)}) | ${Math.round(mean)}, ${passes[passes.length >> 1]} |`,
    );
  }
}

main();
