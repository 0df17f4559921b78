/**
 * robustness-lens: the command line entry (dist/cli.js). Exit status: 0 done, 1 run error,
 * 2 bad arguments, 130 interrupted by SIGINT (143 by SIGTERM) after writing the report of what finished. stdout carries only the final summary line; everything else
 * goes to stderr.
 */
import { join } from 'node:path';
import { startCheck } from '../run/check';
import { mergeShards } from '../run/merge';
import { outputFiles } from '../run/report-files';
import type { CheckOptions } from '../run/types';
import { tool } from '../run/version';
import { UsageError, parseArgs } from './args';
import { parseReportCommand, type ReportCommand } from './report-args';
import { compareFiles, runGate, writeComparison } from './report-commands';
import { ProgressPrinter } from './progress';
import { summaryLine } from './summaryLine';

export const exitCodes = { ok: 0, runError: 1, usage: 2, gateFailed: 3, interrupted: 130, terminated: 143 } as const;

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseReportCommand(argv) ?? parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`robustness-lens: ${error.message}\nRun 'robustness-lens --help' for usage.\n`);
    return exitCodes.usage;
  }
  try {
    switch (command.kind) {
      case 'help':
        process.stdout.write(`${command.text}\n`);
        return exitCodes.ok;
      case 'version':
        process.stdout.write(`${tool.version}\n`);
        return exitCodes.ok;
      case 'check':
        return await runCheck(command.options, command.verbose);
      case 'merge':
        return await runMerge(command.out, command.shards, command.details);
      case 'compare':
      case 'gate':
        return runReportCommand(command);
    }
  } catch (error) {
    process.stderr.write(`robustness-lens: ${firstLine(error)}\n`);
    return exitCodes.runError;
  }
}

async function runCheck(options: CheckOptions, verbose: boolean): Promise<number> {
  const printer = new ProgressPrinter(process.stderr, verbose);
  const handle = startCheck(options, (event) => printer.handle(event));
  let interruptedBy: NodeJS.Signals | null = null;
  const onInterrupt = (signal: NodeJS.Signals) => {
    const exitCode = signal === 'SIGTERM' ? exitCodes.terminated : exitCodes.interrupted;
    if (interruptedBy) process.exit(exitCode);
    interruptedBy = signal;
    printer.printLine('cancelling: finishing the report with the images done so far (Ctrl-C again to quit at once)');
    handle.cancel();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    const outcome = await handle.done;
    printer.finish();
    process.stdout.write(`${summaryLine(outcome.report, join(options.out, outputFiles.report))}\n`);
    if (interruptedBy === 'SIGTERM') return exitCodes.terminated;
    return outcome.status === 'cancelled' || interruptedBy ? exitCodes.interrupted : exitCodes.ok;
  } finally {
    printer.finish();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

async function runMerge(out: string, shards: string[], details: number | undefined): Promise<number> {
  const outcome = await mergeShards({ out, shards, details });
  for (const warning of outcome.warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`${summaryLine(outcome.report, join(out, outputFiles.report))}\n`);
  return exitCodes.ok;
}

function runReportCommand(command: ReportCommand): number {
  if (command.kind === 'compare') {
    const { compare, warning } = writeComparison(command.a, command.b, command.out);
    if (warning) process.stderr.write(`warning: ${warning}\n`);
    const ratio = compare.common.susceptibleBoth ? `; median ε* ratio b/a ${Number(compare.ratio.median.toPrecision(3))} over ${compare.common.susceptibleBoth} images susceptible in both` : '';
    process.stdout.write(`${compare.a.name} vs ${compare.b.name}: ${compare.common.images} images in both${ratio} → ${join(command.out, compareFiles.json)}\n`);
    return exitCodes.ok;
  }
  const outcome = runGate(command.run, command.rules, command.baseline, command.junit);
  process.stdout.write(`${outcome.line}\n`);
  return outcome.passed ? exitCodes.ok : exitCodes.gateFailed;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`robustness-lens: ${firstLine(error)}\n`);
    process.exitCode = exitCodes.runError;
  },
);
