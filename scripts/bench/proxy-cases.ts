// The "ourproxy" case: our own proxy (`xep65 proxy`, an XEP-0114 component of the private
// Prosody) relaying xep65 transfers, and its peak RSS after relaying a given number of bytes.
// The proxy is stopped by PID with SIGTERM, which makes it print its final counters and stats
// (peak RSS, CPU); processes.ts kills it should the bench exit without stopping it.
import { readFileSync } from 'node:fs';
import { xep65Transfer, type BenchContext, type ProcessStats, type TransferSample } from './measure.js';
import { cpuSecondsOf, runXep65, type JsonEvent } from './processes.js';

/** Given to startProsody() so its component listener accepts our proxy. */
export const COMPONENT_SECRET = 'bench-component-secret';
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

export interface OurProxy {
  jid: string;
  pid: number;
  /** Peak RSS so far (VmHWM): read before relaying anything, for the idle size. */
  peakRssNowBytes(): number;
  /** Bytes relayed by the streams that have closed so far (requester → target). */
  bytesRelayed(): number;
  /** SIGTERM, wait for exit 0; the stats of its final record. Safe to call twice. */
  stop(): Promise<ProcessStats>;
}

export async function startOurProxy(ctx: BenchContext): Promise<OurProxy> {
  const { componentJid, componentPort } = ctx.prosody;
  if (componentJid === undefined || componentPort === undefined) throw new Error('Prosody was started without a component listener');
  // Only loopback: the proxy binds and advertises 127.0.0.1 and reaches Prosody there.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', XEP65_COMPONENT_SECRET: COMPONENT_SECRET };
  const run = runXep65(['proxy', '--component', componentJid, '--server', `127.0.0.1:${componentPort}`, '--listen', '127.0.0.1:0'], env);
  const pid = run.child.pid;
  if (pid === undefined) throw new Error('xep65 proxy did not start');
  // Signal only a child not yet reaped, so a reused PID is never hit.
  const alive = () => run.child.exitCode === null && run.child.signalCode === null;
  const signal = (sig: NodeJS.Signals) => {
    if (alive()) run.child.kill(sig);
  };
  let stopping: Promise<ProcessStats> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Also read from /proc before it goes, in case the final stats record does not come.
      const before = alive() ? readStats(pid) : undefined;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS);
      const code = await run.exited.finally(() => clearTimeout(timer));
      if (code !== 0) throw new Error(`xep65 proxy exited ${code} after SIGTERM: ${JSON.stringify(run.events.at(-1))}`);
      const stats = run.events.find((e) => e.event === 'stats');
      if (stats) return { peakRssBytes: Number(stats.peakRssBytes), cpuSeconds: Number(stats.cpuUserSeconds) + Number(stats.cpuSystemSeconds) };
      if (!before) throw new Error('xep65 proxy exited before it was stopped, without a stats record');
      process.stderr.write(`bench: xep65 proxy ${pid} exited 0 without its final stats record; using /proc/${pid}/status from before SIGTERM\n`);
      return before;
    })());
  try {
    await withTimeout(run.waitFor('proxy-ready'), READY_TIMEOUT_MS, 'xep65 proxy not ready');
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return {
    jid: componentJid,
    pid,
    peakRssNowBytes: () => vmHwmBytes(pid),
    bytesRelayed: () => sum(run.events.filter((e: JsonEvent) => e.event === 'stream-closed').map((e) => Number(e.bytes))),
    stop,
  };
}

/** Starts our proxy, runs `fn` with it and always stops it; a failure of `fn` wins over one of stop. */
export async function withOurProxy<T>(ctx: BenchContext, fn: (proxy: OurProxy) => Promise<T>): Promise<{ result: T; stats: ProcessStats }> {
  const proxy = await startOurProxy(ctx);
  let result: T;
  try {
    result = await fn(proxy);
  } catch (err) {
    await proxy.stop().catch(() => undefined);
    throw err;
  }
  return { result, stats: await proxy.stop() };
}

/** One xep65 transfer through our proxy, with the proxy's CPU over the transfer. */
export function viaOurProxy(ctx: BenchContext, proxy: OurProxy, file: string, protocol: 'si' | 'jingle' = 'si'): Promise<TransferSample> {
  return xep65Transfer(ctx, file, { proxy: proxy.jid, relayPid: proxy.pid }, [], protocol);
}

export interface ProxyRssSample {
  sizeBytes: number;
  /** Peak RSS once ready, before relaying. */
  idleBytes: number;
  /** Peak RSS over the process's life, from its final stats record. */
  peakBytes: number;
  relayedBytes: number;
}

/** A fresh proxy relays one file of `sizeBytes`, so its peak RSS belongs to that size alone. */
export async function ourProxyPeakRss(ctx: BenchContext, file: string, sizeBytes: number): Promise<ProxyRssSample> {
  const { result, stats } = await withOurProxy(ctx, async (proxy) => {
    const idleBytes = proxy.peakRssNowBytes();
    await viaOurProxy(ctx, proxy, file);
    return { idleBytes, proxy };
  });
  // stream-closed comes after the receiver is done, so count only once the proxy has exited.
  const relayedBytes = result.proxy.bytesRelayed();
  if (relayedBytes !== sizeBytes) throw new Error(`our proxy relayed ${relayedBytes} bytes, expected ${sizeBytes}`);
  return { sizeBytes, idleBytes: result.idleBytes, peakBytes: stats.peakRssBytes, relayedBytes };
}

/** Peak RSS and CPU from /proc; undefined if the process is already gone. */
function readStats(pid: number): ProcessStats | undefined {
  try {
    return { peakRssBytes: vmHwmBytes(pid), cpuSeconds: cpuSecondsOf(pid) };
  } catch {
    return undefined;
  }
}

function vmHwmBytes(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for ${pid}`);
  return Number(m[1]) * 1024;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
