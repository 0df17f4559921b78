// Peak resident memory of listing an array dataset and reading every record as the workers do
// (docs/benchmarks.md "Dataset memory"): flat in the number of images but for the task list.
// Usage: node --import tsx scripts/dataset-memory.ts <--data path> [--classes 7,8]
import { listDataset } from '../src/run/dataset';
import { readArrayRecord } from '../src/worker/images/array-record';

async function main(): Promise<void> {
  const [data, flag, classes] = process.argv.slice(2);
  if (!data) throw new Error('usage: dataset-memory.ts <data> [--classes a,b]');
  const started = Date.now();
  const listing = await listDataset(data, undefined, flag === '--classes' ? { classes: classes.split(',') } : {});
  const listedRss = process.resourceUsage().maxRSS;
  let sum = 0;
  for (const task of listing.images) {
    if (!task.source) throw new Error(`${task.file} is not an array record`);
    const raster = await readArrayRecord(task.source);
    sum += raster.data[0];
  }
  const megabytes = (kilobytes: number) => `${(kilobytes / 1024).toFixed(0)} MB`;
  console.log(
    `${listing.images.length} images: peak RSS ${megabytes(listedRss)} after listing, ${megabytes(process.resourceUsage().maxRSS)} after reading every record; ${((Date.now() - started) / 1000).toFixed(1)} s (checksum ${sum.toFixed(3)})`,
  );
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
