// One measurement each: socat baselines (file → TCP → file, and through a relay hop), an xep65
// transfer (direct, or through a proxy: Prosody's or ours), and small-file latency. Output files are
// removed between runs, outside the timed part, so every run writes a new file.
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { PrivateProsody } from '../../test/helpers/prosody.js';
import { freePort } from '../../test/helpers/prosody.js';
import { cpuSecondsOf, reapedChildrenCpuSeconds, runSocat, runXep65, type JsonEvent } from './processes.js';

const SOCAT_BUFFER = String(256 * 1024);

/**
 * Before a timed run: write back dirty pages, so no run pays for the previous one's writeback,
 * and read the source file, so every run reads it from the page cache (this machine's memory
 * reclaim evicts idle file pages within seconds; a cold 1 GiB read costs ~1.7 s here).
 */
export function settle(file: string): void {
  execFileSync('sync');
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface BenchContext {
  prosody: PrivateProsody;
  alice: NodeJS.ProcessEnv;
  bob: NodeJS.ProcessEnv;
  outDir: string;
}

export interface ProcessStats {
  peakRssBytes: number;
  cpuSeconds: number;
}

export interface TransferSample {
  /** Data phase as the receiver measured it (streamhost used → file complete). */
  seconds: number;
  sender: ProcessStats;
  receiver: ProcessStats;
  /** Prosody's CPU seconds during the whole transfer (proxy runs). */
  prosodyCpuSeconds: number;
  /** CPU seconds of the route's relaying process during the transfer, when it names one. */
  relayCpuSeconds?: number;
}

/**
 * Direct (the sender is its own streamhost on 127.0.0.1); 'socat-hop': direct, but the receiver
 * reaches the sender's streamhost through a socat relay hop (the sender advertises the hop's port),
 * so a proxy can be compared with a plain relay between the same two programs; or only through the proxy `proxy`
 * (a JID); `relayPid` is the process that relays, when its CPU is wanted (our proxy).
 */
export type Route = 'direct' | 'socat-hop' | 'ibb' | { proxy: string; relayPid?: number };

export interface BaselineSample {
  seconds: number;
  /** CPU seconds of all socat processes of the run. */
  cpuSeconds: number;
}

export async function socatDirect(file: string, outDir: string): Promise<BaselineSample> {
  const cpuBefore = reapedChildrenCpuSeconds();
  const out = path.join(outDir, 'socat.out');
  const port = await freePort();
  const receiver = runSocat(['-b', SOCAT_BUFFER, '-u', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, `OPEN:${out},creat,trunc`]);
  await receiver.listening;
  settle(file);
  const t0 = performance.now();
  const sender = runSocat(['-b', SOCAT_BUFFER, '-u', `OPEN:${file}`, `TCP:127.0.0.1:${port}`]);
  await Promise.all([sender.exited, receiver.exited]);
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = reapedChildrenCpuSeconds() - cpuBefore;
  await rm(out, { force: true });
  return { seconds, cpuSeconds };
}

export async function socatRelay(file: string, outDir: string): Promise<BaselineSample> {
  const cpuBefore = reapedChildrenCpuSeconds();
  const out = path.join(outDir, 'relay.out');
  const [recvPort, relayPort] = [await freePort(), await freePort()];
  const receiver = runSocat(['-b', SOCAT_BUFFER, '-u', `TCP-LISTEN:${recvPort},bind=127.0.0.1,reuseaddr`, `OPEN:${out},creat,trunc`]);
  const relay = runSocat(['-b', SOCAT_BUFFER, `TCP-LISTEN:${relayPort},bind=127.0.0.1,reuseaddr`, `TCP:127.0.0.1:${recvPort}`]);
  await Promise.all([receiver.listening, relay.listening]);
  settle(file);
  const t0 = performance.now();
  const sender = runSocat(['-b', SOCAT_BUFFER, '-u', `OPEN:${file}`, `TCP:127.0.0.1:${relayPort}`]);
  await Promise.all([sender.exited, receiver.exited, relay.exited]);
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = reapedChildrenCpuSeconds() - cpuBefore;
  await rm(out, { force: true });
  return { seconds, cpuSeconds };
}

/** A socat relay from a free port to the port our sender's streamhost will listen on. */
async function socatHop(): Promise<{ args: string[]; exited: Promise<number | null> }> {
  const [streamhostPort, hopPort] = [await freePort(), await freePort()];
  const hop = runSocat(['-b', SOCAT_BUFFER, `TCP-LISTEN:${hopPort},bind=127.0.0.1,reuseaddr`, `TCP:127.0.0.1:${streamhostPort}`]);
  await hop.listening;
  return { args: ['--no-proxy', '--port', String(streamhostPort), '--host', `127.0.0.1:${hopPort}`], exited: hop.exited };
}

/**
 * One transfer between two xep65 over `route`, by `protocol` (SI, or Jingle with its SHA-256 on).
 * A Jingle receiver offers no candidate of its own on relayed routes (XEP-0260 would nominate it).
 */
export async function xep65Transfer(ctx: BenchContext, file: string, route: Route, extra: string[] = [], protocol: 'si' | 'jingle' = 'si'): Promise<TransferSample> {
  const dir = ctx.outDir;
  const receiverRoute = protocol === 'jingle' && route !== 'direct' ? ['--no-direct'] : [];
  // 'ibb': no streamhost on either side, so the bytes go in-band (XEP-0047, in Jingle XEP-0261).
  const receiver = runXep65(['receive', '--accept-all', '--count', '1', '--dir', dir, ...receiverRoute], ctx.bob);
  await receiver.waitFor('ready');
  const hop = route === 'socat-hop' ? await socatHop() : undefined;
  const routeArgs =
    route === 'direct' ? ['--no-proxy', '--host', '127.0.0.1'] : route === 'ibb' ? ['--no-proxy', '--no-direct'] : hop ? hop.args : typeof route === 'object' ? ['--no-direct', '--proxy', route.proxy] : [];
  const relayPid = typeof route === 'object' ? route.relayPid : undefined;
  settle(file);
  const prosodyBefore = cpuSecondsOf(ctx.prosody.pid);
  const relayBefore = relayPid === undefined ? 0 : cpuSecondsOf(relayPid);
  const sender = runXep65(['send', file, `bob@${ctx.prosody.domain}/xep65`, '--protocol', protocol, ...routeArgs, ...extra], ctx.alice);
  const [sent, received] = await Promise.all([sender.exited, receiver.exited, hop?.exited]);
  const prosodyCpuSeconds = cpuSecondsOf(ctx.prosody.pid) - prosodyBefore;
  const relayCpuSeconds = relayPid === undefined ? undefined : cpuSecondsOf(relayPid) - relayBefore;
  if (sent !== 0 || received !== 0) throw new Error(`transfer failed: sender ${sent}, receiver ${received}: ${JSON.stringify(sender.events.at(-2))}`);
  const done = await receiver.waitFor('done');
  await rm(String(done.path), { force: true });
  return {
    seconds: Number(done.seconds),
    sender: statsOf(await sender.waitFor('stats')),
    receiver: statsOf(await receiver.waitFor('stats')),
    prosodyCpuSeconds,
    ...(relayCpuSeconds === undefined ? {} : { relayCpuSeconds }),
  };
}

export interface LatencySample {
  /** From starting `xep65 send` to the running receiver reporting the file complete. */
  seconds: number;
  /** The sender's own phases (startup, login, discovery, offer, negotiation, data), ms. */
  phases: Record<string, number>;
  /** The sender's CPU seconds for the whole run (its fixed cost per transfer). */
  senderCpuSeconds: number;
}

export async function smallFileLatency(ctx: BenchContext, file: string, reps: number): Promise<LatencySample[]> {
  const receiver = runXep65(['receive', '--accept-all', '--count', String(reps), '--dir', ctx.outDir], ctx.bob);
  await receiver.waitFor('ready');
  const samples: LatencySample[] = [];
  for (let i = 0; i < reps; i++) {
    const doneBefore = receiver.events.filter((e) => e.event === 'done').length;
    const t0 = performance.now();
    const sender = runXep65(['send', file, `bob@${ctx.prosody.domain}/xep65`, '--no-proxy', '--host', '127.0.0.1'], ctx.alice);
    await until(() => receiver.events.filter((e) => e.event === 'done').length > doneBefore, receiver.exited);
    const seconds = (performance.now() - t0) / 1000;
    if ((await sender.exited) !== 0) throw new Error('small-file send failed');
    const phases: Record<string, number> = {};
    for (const e of sender.events.filter((x) => x.event === 'timing')) phases[String(e.phase)] = Number(e.ms);
    samples.push({ seconds, phases, senderCpuSeconds: statsOf(await sender.waitFor('stats')).cpuSeconds });
    const done = receiver.events.filter((e) => e.event === 'done').at(-1)!;
    await rm(String(done.path), { force: true });
  }
  await receiver.exited;
  return samples;
}

function statsOf(e: JsonEvent): ProcessStats {
  return { peakRssBytes: Number(e.peakRssBytes), cpuSeconds: Number(e.cpuUserSeconds) + Number(e.cpuSystemSeconds) };
}

/** Polls a condition every millisecond (latency is measured to that resolution). */
function until(condition: () => boolean, abort: Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (condition()) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
    void abort.then(() => {
      clearInterval(timer);
      if (condition()) resolve();
      else reject(new Error('receiver exited'));
    });
  });
}
