// The coverage table of docs/protocol.md ("Rare-event estimates"): on flat boundaries, where the
// exact flip probability is the cap fraction, how often the 95 % interval holds it.
// Usage: node --import tsx scripts/rare-event-coverage.ts [repetitions] [budget]
import { coverage } from '../test/engine/rare-event-coverage';

const repetitions = Number(process.argv[2] ?? 100);
const budget = Number(process.argv[3] ?? 20_000);
const settings: [number, 'full' | 'reduced'][] = [
  [64, 'full'],
  [2352, 'reduced'],
  [150_528, 'reduced'],
];
async function main(): Promise<void> {
  console.log('| d | chain | exact p | covered | reached | forward passes (mean) | interval width, decades (median) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [dimension, chain] of settings) {
    for (const log10p of [-2, -5, -10, -20, -30, -40]) {
      const row = await coverage(dimension, log10p, repetitions, chain, budget);
      const width = row.medianWidthDecades === null ? '—' : row.medianWidthDecades.toFixed(1);
      console.log(`| ${dimension} | ${chain} | 1e${log10p} | ${row.covered}/${repetitions} | ${row.reached}/${repetitions} | ${Math.round(row.meanForwardPasses)} | ${width} |`);
    }
  }
}

void main();
