// Many small files over one login (issue 12 #8): a directory of 100 × 4 KiB sent with
// `--parallel 8`, from the start of `xep65 send` to the running receiver reporting the last file
// complete, each run paired with one 1 KiB send to the same receiver (alternately before and
// after), so the ratio compares the two in the same state of the machine. Target: ≤ 5×.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BenchContext } from './measure.js';
import { runXep65, type Xep65Run } from './processes.js';

export const MANY_FILES = 100;
export const MANY_FILE_BYTES = 4096;
export const MANY_PARALLEL = 8;

export interface ManyFilesSample {
  /** 100 files: send start → the receiver's last `done`. */
  manySeconds: number;
  /** One 1 KiB file, same receiver, same rep. */
  oneSeconds: number;
}

export async function manySmallFiles(ctx: BenchContext, work: string, oneFile: string, reps: number): Promise<ManyFilesSample[]> {
  const src = path.join(work, 'many');
  await mkdir(src, { recursive: true });
  for (let i = 0; i < MANY_FILES; i++) await writeFile(path.join(src, `f${String(i).padStart(3, '0')}.bin`), randomBytes(MANY_FILE_BYTES));
  const receiver = runXep65(['receive', '--accept-all', '--count', String(reps * (MANY_FILES + 1)), '--dir', ctx.outDir], ctx.bob);
  await receiver.waitFor('ready');
  const to = `bob@${ctx.prosody.domain}/xep65`;
  const route = ['--no-proxy', '--host', '127.0.0.1'];
  const samples: ManyFilesSample[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      const one = () => timedSend(receiver, ['send', oneFile, to, ...route], 1, ctx);
      const many = () => timedSend(receiver, ['send', src, to, '--parallel', String(MANY_PARALLEL), ...route], MANY_FILES, ctx);
      const oneFirst = i % 2 === 0;
      const first = oneFirst ? await one() : await many();
      const second = oneFirst ? await many() : await one();
      samples.push(oneFirst ? { oneSeconds: first, manySeconds: second } : { oneSeconds: second, manySeconds: first });
      await rm(path.join(ctx.outDir, 'many'), { recursive: true, force: true });
    }
    await receiver.exited;
  } finally {
    await rm(src, { recursive: true, force: true });
  }
  return samples;
}

/** Runs one `xep65 send` and waits for `files` more `done` records from the receiver. */
async function timedSend(receiver: Xep65Run, args: string[], files: number, ctx: BenchContext): Promise<number> {
  const doneBefore = receiver.events.filter((e) => e.event === 'done').length;
  const t0 = performance.now();
  const sender = runXep65(args, ctx.alice);
  await untilDone(receiver, doneBefore + files);
  const seconds = (performance.now() - t0) / 1000;
  if ((await sender.exited) !== 0) throw new Error(`send of ${files} file(s) failed: ${JSON.stringify(sender.events.at(-2))}`);
  for (const e of receiver.events.filter((x) => x.event === 'done').slice(doneBefore)) if (files === 1) await rm(String(e.path), { force: true });
  return seconds;
}

function untilDone(receiver: Xep65Run, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => receiver.events.filter((e) => e.event === 'done').length >= count;
    const timer = setInterval(() => {
      if (!check()) return;
      clearInterval(timer);
      resolve();
    }, 1);
    void receiver.exited.then(() => {
      clearInterval(timer);
      if (check()) resolve();
      else reject(new Error('receiver exited'));
    });
  });
}
