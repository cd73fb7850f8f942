// `npm run fuzz`: the long fuzz run of the pure decoders (issue 10 #4), on the engine and targets
// of the seeded test (test/fuzz/), with giant (multi-megabyte) cases and one worker thread per CPU.
// Prints per decoder the cases, time, values / "not this" / typed errors and every failure with its
// seed and case number, then the linear-time check of the name cleaners; exits 1 on any failure.
// Options: --cases N (per decoder, default 1,000,000), --seed S (default 1004, the test's),
// --only NAME[,NAME] (decoders whose name contains one), --case N (replay one case of the --only
// decoder: its outcome and whole input), --jobs N (default: CPUs), --no-giant, --hang-ms MS (a case
// running this long is a hang; default 60,000), --linear-n N (100,000; 0 skips the check).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { describe, runCase, caseInput, type Report, type RunOptions } from '../../test/fuzz/engine.js';
import { selectTargets } from '../../test/fuzz/targets/index.js';
import { measureLinear } from '../../test/fuzz/targets/safe-name.js';
import { decoderTable, failureList, linearTable } from './report.js';
import type { FromWorker, WorkerSetup } from './worker.js';

const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} needs a whole number, got '${text}'`);
  return n;
}

/** A report for a target whose worker never came back from case `index`. */
function lostReport(name: string, setup: WorkerSetup, index: number, kind: 'hang' | 'died', message: string): Report {
  const failure = { target: name, seed: setup.seed, index, kind, message, input: `(replay: npm run fuzz -- --only ${name} --seed ${setup.seed} --case ${index})` };
  return { name, cases: index - setup.start, ms: NaN, value: 0, none: 0, error: 0, failureCount: 1, failures: [failure], slowest: { index: -1, ms: 0, size: 0 } };
}

/** Runs each target in a worker, `jobs` at a time; a worker stuck on one case for `hangMs` is ended. */
function runAll(names: string[], setup: Omit<WorkerSetup, 'current'>, jobs: number, hangMs: number): Promise<Map<string, Report>> {
  return new Promise((resolve) => {
    const queue = [...names];
    const reports = new Map<string, Report>();
    let running = 0;
    const startWorker = (): void => {
      if (queue.length === 0) {
        if (running === 0) resolve(reports);
        return;
      }
      const current = new SharedArrayBuffer(4);
      const at = new Int32Array(current);
      const workerSetup: WorkerSetup = { ...setup, current };
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: workerSetup });
      running++;
      let target: string | undefined;
      let seen = -1;
      let seenAt = Date.now();
      const lose = (kind: 'hang' | 'died', message: string) => {
        if (target === undefined) return;
        log(`${target}: ${kind} at case ${Atomics.load(at, 0)}: ${message}`);
        reports.set(target, lostReport(target, workerSetup, Atomics.load(at, 0), kind, message));
        target = undefined;
      };
      const next = () => {
        target = queue.shift();
        seenAt = Date.now();
        if (target === undefined) return void worker.postMessage({ stop: true });
        log(`${target}: started`);
        worker.postMessage({ target });
      };
      const watchdog = setInterval(() => {
        const now = Atomics.load(at, 0);
        if (now !== seen) [seen, seenAt] = [now, Date.now()];
        else if (target !== undefined && Date.now() - seenAt > hangMs) {
          lose('hang', `case ${now} did not return within ${hangMs} ms`);
          void worker.terminate();
        }
      }, 1000);
      worker.on('message', (m: FromWorker) => {
        if (m.kind === 'progress') return log(`${m.target}: ${m.done.toLocaleString('en-US')} cases`);
        reports.set(m.report.name, m.report);
        log(`${m.report.name}: done, ${m.report.failureCount} failures, ${(m.report.ms / 1000).toFixed(1)} s`);
        next();
      });
      worker.on('error', (err) => lose('died', describe(err)));
      worker.on('exit', (code) => {
        clearInterval(watchdog);
        lose('died', `worker exited with code ${code}`);
        running--;
        startWorker();
      });
      next();
    };
    for (let i = 0; i < Math.min(jobs, names.length); i++) startWorker();
  });
}

function replay(name: string, index: number, options: RunOptions): number {
  const [target, ...more] = selectTargets(name);
  if (!target || more.length > 0) throw new Error(`--case needs --only to name exactly one decoder ('${name}' matches ${more.length + (target ? 1 : 0)})`);
  const result = runCase(target, index, options);
  process.stdout.write(`${target.name} case ${index} (seed ${options.seed}): ${'failure' in result ? `${result.failure.kind}: ${result.failure.message}` : result.outcome}, ${result.ms.toFixed(1)} ms\n`);
  process.stdout.write(`input: ${target.show(caseInput(target, index, options), Infinity)}\n`);
  return 'failure' in result ? 1 : 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string' },
      seed: { type: 'string' },
      only: { type: 'string' },
      case: { type: 'string' },
      jobs: { type: 'string' },
      'no-giant': { type: 'boolean', default: false },
      'hang-ms': { type: 'string' },
      'linear-n': { type: 'string' },
    },
  });
  const seed = integer('seed', values.seed, 1004);
  if (seed >= 2 ** 32) throw new Error('--seed must be below 2^32');
  const giant = !values['no-giant'];
  if (values.case !== undefined) return replay(values.only ?? '', integer('case', values.case, 0), { seed, cases: 1, giant });
  const cases = integer('cases', values.cases, 1_000_000);
  const jobs = Math.max(1, integer('jobs', values.jobs, os.availableParallelism()));
  const targets = selectTargets(values.only);
  if (targets.length === 0) throw new Error(`--only '${values.only}' names no decoder`);
  process.stdout.write(`fuzz: seed ${seed}, ${cases.toLocaleString('en-US')} cases per decoder, ${targets.length} decoders, ${jobs} workers, giant cases ${giant ? 'on' : 'off'}\n`);
  const began = performance.now();
  const byName = await runAll(targets.map((t) => t.name), { seed, cases, start: 0, giant }, jobs, integer('hang-ms', values['hang-ms'], 60_000));
  const reports = targets.map((t) => byName.get(t.name)!);
  process.stdout.write(`\n${decoderTable(reports)}\n\nwall time ${((performance.now() - began) / 1000).toFixed(0)} s (${jobs} workers)\n`);
  const linearN = integer('linear-n', values['linear-n'], 100_000);
  const linear = linearN > 0 && targets.some((t) => t.name.startsWith('safe-name.')) ? measureLinear(linearN, 3) : [];
  if (linear.length > 0) process.stdout.write(`\nlinear time (best of 3; ratio near 8 is linear, 64 quadratic; fail above 20):\n${linearTable(linear, linearN)}\n`);
  const failed = reports.some((r) => r.failureCount > 0) || linear.some((r) => !r.ok);
  process.stdout.write(failed ? `\nFAILURES\n${failureList(reports)}\n` : '\nno failures\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`fuzz: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
