// One worker of `npm run fuzz`: runs whole targets as the main thread asks, writing the number of
// the case under way into shared memory (the main thread's watchdog reads it to name a hanging
// case) and posting progress every PROGRESS_EVERY cases and the report at the end.
import { parentPort, workerData } from 'node:worker_threads';
import { runTarget, type Report } from '../../test/fuzz/engine.js';
import { TARGETS } from '../../test/fuzz/targets/index.js';

export interface WorkerSetup {
  seed: number;
  cases: number;
  start: number;
  giant: boolean;
  /** [0]: the case under way. */
  current: SharedArrayBuffer;
}

export type ToWorker = { target: string } | { stop: true };
export type FromWorker = { kind: 'progress'; target: string; done: number } | { kind: 'report'; report: Report };

export const PROGRESS_EVERY = 50_000;

function serve(): void {
  const setup = workerData as WorkerSetup;
  const current = new Int32Array(setup.current);
  const port = parentPort!;
  port.on('message', (msg: ToWorker) => {
    if ('stop' in msg) return port.close();
    const target = TARGETS.find((t) => t.name === msg.target)!;
    const post = (m: FromWorker) => port.postMessage(m);
    Atomics.store(current, 0, setup.start);
    const report = runTarget(target, {
      seed: setup.seed,
      cases: setup.cases,
      start: setup.start,
      giant: setup.giant,
      progressEvery: 1,
      onProgress(done) {
        Atomics.store(current, 0, setup.start + done);
        if (done % PROGRESS_EVERY === 0) post({ kind: 'progress', target: target.name, done });
      },
    });
    post({ kind: 'report', report });
  });
}

serve();
