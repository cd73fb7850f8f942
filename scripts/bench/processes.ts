// Child processes for the benchmark: xep65 with --json (events parsed), socat, and CPU time of
// a running process read from /proc (for Prosody). Children still running when the bench exits
// (a failure, or a signal turned into an exit by run.ts) are killed by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN } from '../../test/helpers/cli.js';

export interface JsonEvent {
  event: string;
  [field: string]: unknown;
}

export interface Xep65Run {
  child: ChildProcess;
  events: JsonEvent[];
  /** Resolves with the first event of this kind. */
  waitFor(kind: string): Promise<JsonEvent>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Tracked until it exits, so an exit of the bench never leaves it behind. */
function tracked(child: ChildProcess): ChildProcess {
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

export function runXep65(args: string[], env: NodeJS.ProcessEnv): Xep65Run {
  const child = tracked(spawn(process.execPath, [BIN, ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const events: JsonEvent[] = [];
  const waiters: Array<{ kind: string; resolve(e: JsonEvent): void }> = [];
  let buffered = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const event = JSON.parse(buffered.slice(0, nl)) as JsonEvent;
      buffered = buffered.slice(nl + 1);
      events.push(event);
      for (const w of waiters.filter((x) => x.kind === event.event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = (kind: string) =>
    new Promise<JsonEvent>((resolve, reject) => {
      const seen = events.find((e) => e.event === kind);
      if (seen) return resolve(seen);
      waiters.push({ kind, resolve });
      void exited.then((code) => reject(new Error(`xep65 ${args[0]} exited ${code} before '${kind}': ${stderr}${JSON.stringify(events.at(-1))}`)));
    });
  return { child, events, waitFor, exited };
}

/** Runs socat with -d -d; resolves `listening` once a listening socat says so. */
export function runSocat(args: string[]): { exited: Promise<number | null>; listening: Promise<void> } {
  const child = tracked(spawn('socat', ['-d', '-d', ...args], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (/listening on/.test(stderr)) resolve();
    });
    child.on('close', (code) => reject(new Error(`socat exited ${code}: ${stderr}`)));
  });
  listening.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { exited, listening };
}

/** User + system CPU seconds a process has used so far (Linux /proc/<pid>/stat). */
export function cpuSecondsOf(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (stat fields 14, 15); USER_HZ = 100
}

/** CPU seconds of this process's children that have exited and been reaped (cutime + cstime). */
export function reapedChildrenCpuSeconds(): number {
  const fields = statFields(process.pid);
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
