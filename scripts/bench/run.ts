// `npm run bench`: side-by-side measurements in one run, each repeated, printed as a table of
// medians with their spread and ratios to a baseline measured in the same run, and written as
// JSON for comparisons between commits. Options: --size-mb N (default 1024), --reps N (3),
// --rss-sizes-mb A,B (1024,4096; empty to skip), --latency-reps N (5), --dir DIR (temp files),
// --out FILE (default .bench/results.json), --ibb-size-mb N (16),
// --cases direct,proxy,ourproxy,latency,many,ibb,load,rss (default: all).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startProsody } from '../../test/helpers/prosody.js';
import { accountEnv } from '../../test/helpers/cli.js';
import { writeRandomFile } from '../../test/helpers/files.js';
import { smallFileLatency, socatDirect, socatRelay, xep65Transfer, type BenchContext, type ProcessStats, type TransferSample } from './measure.js';
import { COMPONENT_SECRET, ourProxyPeakRss, viaOurProxy, withOurProxy, type OurProxy, type ProxyRssSample } from './proxy-cases.js';
import { MANY_FILE_BYTES, MANY_FILES, MANY_PARALLEL, manySmallFiles } from './many-files.js';
import { ibbCase } from './ibb-run.js';
import { loadCase } from './load-run.js';
import { median, summarize, type Summary } from './stats.js';
import { printTable, type Row } from './table.js';

const MB = 1e6;
const GiB = 1024 ** 3;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mb': { type: 'string', default: '1024' },
      reps: { type: 'string', default: '3' },
      'rss-sizes-mb': { type: 'string', default: '1024,4096' },
      'latency-reps': { type: 'string', default: '5' },
      dir: { type: 'string', default: os.tmpdir() },
      out: { type: 'string', default: '.bench/results.json' },
      'ibb-size-mb': { type: 'string', default: '16' },
      cases: { type: 'string', default: 'direct,proxy,ourproxy,latency,many,ibb,load,rss' },
    },
  });
  const cases = new Set(String(values.cases).split(','));
  const size = Number(values['size-mb']) * 1024 * 1024;
  const reps = Number(values.reps);
  const rssSizes = String(values['rss-sizes-mb']).split(',').filter(Boolean).map((s) => Number(s) * 1024 * 1024);
  const prosody = await startProsody({
    accounts: [{ user: 'alice', password: 'bench-a' }, { user: 'bob', password: 'bench-b' }],
    // Our proxy connects as an XEP-0114 component; the listener is only opened when it is wanted.
    ...(cases.has('ourproxy') || cases.has('load') ? { componentSecret: COMPONENT_SECRET } : {}),
  });
  let work: string | undefined;
  // Killed by a signal, Node runs neither finally blocks nor 'exit' hooks. Exiting instead runs
  // the hooks that kill Prosody (test/helpers/prosody.ts) and our children (processes.ts) by PID.
  const onSignal = (signal: NodeJS.Signals) => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    work = await mkdtemp(path.join(String(values.dir), 'xep65-bench-'));
    const ctx: BenchContext = { prosody, alice: accountEnv(prosody, 'alice', 'bench-a'), bob: accountEnv(prosody, 'bob', 'bench-b'), outDir: path.join(work, 'out') };
    await mkdir(ctx.outDir);
    const file = path.join(work, 'data.bin');
    await writeRandomFile(file, size);
    const small = path.join(work, 'small.bin');
    await writeRandomFile(small, 1024);
    const repeat = async <T>(fn: (i: number) => Promise<T>) => {
      const out: T[] = [];
      for (let i = 0; i < reps; i++) out.push(await fn(i));
      return out;
    };
    /** Runs a pair in alternating order, so neither side always goes first. */
    const pair = <A, B>(i: number, a: () => Promise<A>, b: () => Promise<B>) => alternate<[A, B]>(i, [a, b]);
    const rate = (seconds: number[]) => summarize(seconds.map((s) => size / s / MB));
    log(`file ${size / 2 ** 20} MiB, ${reps} runs each`);
    // Each xep65 run follows its baseline run, so both see the machine in the same state;
    // ratios are the median of these pairs.
    const directRuns = !cases.has('direct') ? [] : await repeat(async (i) => {
      const [socatSeconds, direct] = await pair(i, () => socatDirect(file, ctx.outDir), () => xep65Transfer(ctx, file, 'direct'));
      // Jingle direct (SHA-256 always computed while streaming) right after SI direct, same state.
      const [siAgain, jingle] = await pair(i, () => xep65Transfer(ctx, file, 'direct'), () => xep65Transfer(ctx, file, 'direct', [], 'jingle'));
      return { socat: socatSeconds, direct, hash: await xep65Transfer(ctx, file, 'direct', ['--hash']), siAgain, jingle };
    });
    // Relayed: the socat relay hop, our proxy (when asked for) and Prosody's, one loop for both
    // proxy cases. Ours runs between the other two, so each baseline is alternately just before
    // and just after it.
    const relayLoop = (ours?: OurProxy) => repeat(async (i) => {
      const [relay, hopRun, ourRun, jingleOurRun, proxyRun] = await alternate(i, [
        () => socatRelay(file, ctx.outDir),
        async () => (ours ? xep65Transfer(ctx, file, 'socat-hop') : undefined),
        async () => (ours ? viaOurProxy(ctx, ours, file) : undefined),
        async () => (ours ? viaOurProxy(ctx, ours, file, 'jingle') : undefined),
        () => xep65Transfer(ctx, file, { proxy: prosody.proxyJid }),
      ]);
      return { relay, ours: ourRun, jingleOurs: jingleOurRun, proxy: proxyRun, hop: hopRun };
    });
    let relayRuns: Awaited<ReturnType<typeof relayLoop>> = [];
    let ourProxyStats: ProcessStats | undefined;
    if (cases.has('ourproxy')) ({ result: relayRuns, stats: ourProxyStats } = await withOurProxy(ctx, relayLoop));
    else if (cases.has('proxy')) relayRuns = await relayLoop();
    const ourRuns = relayRuns.flatMap((r) => (r.ours && r.hop && r.jingleOurs ? [{ ...r, ours: r.ours, hop: r.hop, jingleOurs: r.jingleOurs }] : []));
    const socat = rate(directRuns.map((r) => r.socat.seconds));
    const direct = directRuns.map((r) => r.direct);
    const directHash = directRuns.map((r) => r.hash);
    const relay = rate(relayRuns.map((r) => r.relay.seconds));
    const proxy = relayRuns.map((r) => r.proxy);
    const pairRatio = (pairs: Array<[number, number]>) => median(pairs.map(([ours, base]) => base / ours));
    if (cases.has('latency')) log('small-file latency');
    const latency = cases.has('latency') ? await smallFileLatency(ctx, small, Number(values['latency-reps'])) : [];
    if (cases.has('many')) log(`${MANY_FILES} × ${MANY_FILE_BYTES / 1024} KiB, --parallel ${MANY_PARALLEL}, beside one 1 KiB send`);
    const many = cases.has('many') ? await manySmallFiles(ctx, work, small, Number(values['latency-reps'])) : [];
    if (cases.has('ibb')) log(`in-band bytestreams, ${values['ibb-size-mb']} MiB`);
    const ibb = cases.has('ibb') ? await ibbCase(ctx, work, Number(values['ibb-size-mb']) * 1024 * 1024, reps, alternate) : undefined;
    if (cases.has('load')) log('our proxy under load');
    const load = cases.has('load') ? await loadCase(ctx, reps, alternate) : undefined;
    const rss: Array<{ sizeBytes: number; sample: TransferSample; jingle: TransferSample }> = [];
    const proxyRss: ProxyRssSample[] = [];
    for (const rssSize of cases.has('rss') || cases.has('ourproxy') ? rssSizes : []) {
      log(`peak RSS at ${rssSize / 2 ** 20} MiB`);
      const rssFile = rssSize === size ? file : path.join(work, `rss-${rssSize}.bin`);
      if (rssFile !== file) await writeRandomFile(rssFile, rssSize);
      if (cases.has('rss')) rss.push({ sizeBytes: rssSize, sample: await xep65Transfer(ctx, rssFile, 'direct'), jingle: await xep65Transfer(ctx, rssFile, 'direct', [], 'jingle') });
      if (cases.has('ourproxy')) proxyRss.push(await ourProxyPeakRss(ctx, rssFile, rssSize));
      if (rssFile !== file) await rm(rssFile);
    }

    const fixedCpu = median(latency.map((l) => l.senderCpuSeconds));
    const perGiB = (samples: TransferSample[], who: 'sender' | 'receiver') =>
      summarize(samples.map((s) => ((s[who].cpuSeconds - fixedCpu) / size) * GiB));
    const results = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / GiB)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`,
      fileBytes: size,
      reps,
      ratios: {
        directVsSocat: pairRatio(directRuns.map((r) => [r.direct.seconds, r.socat.seconds])),
        directMd5VsSocat: pairRatio(directRuns.map((r) => [r.hash.seconds, r.socat.seconds])),
        proxyVsSocatRelay: pairRatio(relayRuns.map((r) => [r.proxy.seconds, r.relay.seconds])),
        ourProxyVsSocatRelay: pairRatio(ourRuns.map((r) => [r.ours.seconds, r.relay.seconds])),
        ourProxyVsProsodyProxy: pairRatio(ourRuns.map((r) => [r.ours.seconds, r.proxy.seconds])),
        ourProxyVsXep65SocatHop: pairRatio(ourRuns.map((r) => [r.ours.seconds, r.hop.seconds])),
        jingleDirectVsSiDirect: pairRatio(directRuns.map((r) => [r.jingle.seconds, r.siAgain.seconds])),
        jingleOurProxyVsSiOurProxy: pairRatio(ourRuns.map((r) => [r.jingleOurs.seconds, r.ours.seconds])),
        // Time, not speed: how many times one 1 KiB send the 100 files take (lower is better).
        manyFilesVsOneSend: median(many.map((m) => m.manySeconds / m.oneSeconds)),
      },
      targets: { manyFilesVsOneSendAtMost: 5, ourProxyVsSocatRelay: 0.7, ourProxyVsProsodyProxy: 4, jingleDirectVsSiDirect: 0.6 },
      throughputMBps: {
        socatDirect: socat,
        xep65Direct: rate(direct.map((d) => d.seconds)),
        xep65DirectMd5: rate(directHash.map((d) => d.seconds)),
        socatRelay: relay,
        xep65ProsodyProxy: rate(proxy.map((d) => d.seconds)),
        xep65OurProxy: rate(ourRuns.map((r) => r.ours.seconds)),
        xep65SocatHop: rate(ourRuns.map((r) => r.hop.seconds)),
        xep65JingleDirect: rate(directRuns.map((r) => r.jingle.seconds)),
        xep65JingleOurProxy: rate(ourRuns.map((r) => r.jingleOurs.seconds)),
      },
      latencySeconds: summarize(latency.map((l) => l.seconds)),
      // Node's own start on this machine, the floor under every small send.
      nodeStartMs: cases.has('latency') ? nodeStartMs(Number(values['latency-reps'])) : NaN,
      latencyPhasesMs: Object.fromEntries(Object.keys(latency[0]?.phases ?? {}).map((k) => [k, median(latency.map((l) => l.phases[k] ?? 0))])),
      manyFilesSeconds: summarize(many.map((m) => m.manySeconds)),
      oneSmallSendSeconds: summarize(many.map((m) => m.oneSeconds)),
      cpuSecondsPerGiB: {
        socatDirectBoth: summarize(directRuns.map((r) => (r.socat.cpuSeconds / size) * GiB)),
        socatRelayAll: summarize(relayRuns.map((r) => (r.relay.cpuSeconds / size) * GiB)),
        directSender: perGiB(direct, 'sender'),
        directReceiver: perGiB(direct, 'receiver'),
        directMd5Sender: perGiB(directHash, 'sender'),
        directMd5Receiver: perGiB(directHash, 'receiver'),
        jingleDirectSender: perGiB(directRuns.map((r) => r.jingle), 'sender'),
        jingleDirectReceiver: perGiB(directRuns.map((r) => r.jingle), 'receiver'),
        proxySender: perGiB(proxy, 'sender'),
        proxyReceiver: perGiB(proxy, 'receiver'),
        prosodyProxy: summarize(proxy.map((p) => (p.prosodyCpuSeconds / size) * GiB)),
        ourProxy: summarize(ourRuns.map((r) => ((r.ours.relayCpuSeconds ?? NaN) / size) * GiB)),
      },
      prosodyCpuShareDuringProxy: summarize(proxy.map((p) => p.prosodyCpuSeconds / p.seconds)),
      fixedSenderCpuSeconds: fixedCpu,
      peakRssMB: rss.map((r) => ({ fileMiB: r.sizeBytes / 2 ** 20, sender: r.sample.sender.peakRssBytes / MB, receiver: r.sample.receiver.peakRssBytes / MB })),
      jinglePeakRssMB: rss.map((r) => ({ fileMiB: r.sizeBytes / 2 ** 20, sender: r.jingle.sender.peakRssBytes / MB, receiver: r.jingle.receiver.peakRssBytes / MB })),
      // One proxy process per size: idle is its peak once ready, peak is over its whole life.
      ourProxyPeakRssMB: proxyRss.map((r) => ({ fileMiB: r.sizeBytes / 2 ** 20, idle: r.idleBytes / MB, peak: r.peakBytes / MB })),
      // The proxy that relayed all the throughput runs (reps × file size).
      ourProxyPeakRssMBAfterThroughputRuns: ourProxyStats ? ourProxyStats.peakRssBytes / MB : undefined,
      ...(ibb ? { ibb: ibb.json } : {}),
      ...(load ? { ourProxyLoad: load.json } : {}),
    };
    printTable([...rows(results), ...(ibb?.rows ?? []), ...(load?.rows ?? [])]);
    await mkdir(path.dirname(String(values.out)), { recursive: true });
    await writeFile(String(values.out), `${JSON.stringify(results, null, 2)}\n`);
    log(`written to ${values.out}`);
  } finally {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
    await prosody.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs steps one after another, in reverse order on odd reps, so none always goes first. */
async function alternate<T extends unknown[]>(i: number, steps: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const order = steps.map((_, k) => k);
  if (i % 2 === 1) order.reverse();
  const out: unknown[] = [];
  for (const k of order) out[k] = await steps[k]!();
  return out as T;
}

function rows(r: {
  fileBytes: number;
  reps: number;
  ratios: Record<string, number>;
  throughputMBps: Record<string, Summary>;
  latencySeconds: Summary;
  latencyPhasesMs: Record<string, number>;
  nodeStartMs: number;
  manyFilesSeconds: Summary;
  oneSmallSendSeconds: Summary;
  cpuSecondsPerGiB: Record<string, Summary>;
  prosodyCpuShareDuringProxy: Summary;
  peakRssMB: Array<{ fileMiB: number; sender: number; receiver: number }>;
  jinglePeakRssMB: Array<{ fileMiB: number; sender: number; receiver: number }>;
  ourProxyPeakRssMB: Array<{ fileMiB: number; idle: number; peak: number }>;
  ourProxyPeakRssMBAfterThroughputRuns: number | undefined;
}): Row[] {
  const t = r.throughputMBps;
  const c = r.cpuSecondsPerGiB;
  return [
    { name: 'socat file→TCP→file (baseline)', unit: 'MB/s', value: t.socatDirect! },
    { name: 'xep65 direct', unit: 'MB/s', value: t.xep65Direct!, ratio: r.ratios.directVsSocat },
    { name: 'xep65 direct --hash (MD5)', unit: 'MB/s', value: t.xep65DirectMd5!, ratio: r.ratios.directMd5VsSocat },
    { name: 'xep65 Jingle direct, SHA-256 on', unit: 'MB/s', value: t.xep65JingleDirect!, ratio: r.ratios.jingleDirectVsSiDirect, note: 'ratio to SI direct without a hash, same runs; target ≥ 0.60×' },
    { name: 'socat relay hop (baseline)', unit: 'MB/s', value: t.socatRelay! },
    { name: "xep65 via Prosody's proxy65", unit: 'MB/s', value: t.xep65ProsodyProxy!, ratio: r.ratios.proxyVsSocatRelay },
    { name: 'xep65 via our proxy (xep65 proxy)', unit: 'MB/s', value: t.xep65OurProxy!, ratio: r.ratios.ourProxyVsSocatRelay, note: 'ratio to socat relay hop; target ≥ 0.70×' },
    { name: 'xep65 Jingle via our proxy, SHA-256 on', unit: 'MB/s', value: t.xep65JingleOurProxy!, ratio: r.ratios.jingleOurProxyVsSiOurProxy, note: 'ratio to SI via our proxy' },
    { name: "our proxy / Prosody's proxy65", unit: '', ratio: r.ratios.ourProxyVsProsodyProxy, note: 'median of runs back to back; target ≥ 4×' },
    { name: 'xep65 direct through a socat relay hop', unit: 'MB/s', value: t.xep65SocatHop! },
    { name: 'our proxy / socat hop, same xep65 ends', unit: '', ratio: r.ratios.ourProxyVsXep65SocatHop, note: 'the relay alone compared; target ≥ 0.70×' },
    { name: 'small file: send start → saved', unit: 's', value: r.latencySeconds, note: Object.entries(r.latencyPhasesMs).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ') + ` ms; node -e 0: ${r.nodeStartMs.toFixed(0)} ms; target < 0.25 s` },
    { name: '1 KiB send beside the 100 files (baseline)', unit: 's', value: r.oneSmallSendSeconds },
    { name: `${MANY_FILES} × ${MANY_FILE_BYTES / 1024} KiB, one login, --parallel ${MANY_PARALLEL}`, unit: 's', value: r.manyFilesSeconds, ratio: r.ratios.manyFilesVsOneSend, note: 'ratio: times one 1 KiB send (lower is better); target ≤ 5×' },
    { name: 'CPU/GiB socat sender + receiver', unit: 's', value: c.socatDirectBoth! },
    { name: 'CPU/GiB direct sender', unit: 's', value: c.directSender! },
    { name: 'CPU/GiB direct receiver', unit: 's', value: c.directReceiver! },
    { name: 'CPU/GiB direct --hash sender', unit: 's', value: c.directMd5Sender! },
    { name: 'CPU/GiB direct --hash receiver', unit: 's', value: c.directMd5Receiver! },
    { name: 'CPU/GiB Jingle direct sender', unit: 's', value: c.jingleDirectSender! },
    { name: 'CPU/GiB Jingle direct receiver', unit: 's', value: c.jingleDirectReceiver! },
    { name: 'CPU/GiB proxy sender', unit: 's', value: c.proxySender! },
    { name: 'CPU/GiB proxy receiver', unit: 's', value: c.proxyReceiver! },
    { name: 'CPU/GiB Prosody relaying', unit: 's', value: c.prosodyProxy! },
    { name: 'Prosody CPU share while relaying', unit: 'core', value: r.prosodyCpuShareDuringProxy },
    { name: 'CPU/GiB our proxy relaying', unit: 's', value: c.ourProxy! },
    ...r.peakRssMB.map((m) => ({ name: `peak RSS at ${m.fileMiB} MiB (sender / receiver)`, unit: 'MB', text: `${m.sender.toFixed(1)} / ${m.receiver.toFixed(1)}` })),
    ...r.jinglePeakRssMB.map((m) => ({ name: `Jingle peak RSS at ${m.fileMiB} MiB (sender / receiver)`, unit: 'MB', text: `${m.sender.toFixed(1)} / ${m.receiver.toFixed(1)}` })),
    ...r.ourProxyPeakRssMB.map((m) => ({ name: `our proxy peak RSS, relayed ${m.fileMiB} MiB`, unit: 'MB', text: m.peak.toFixed(1), note: `idle ${m.idle.toFixed(1)} MB; a fresh proxy per size` })),
    ...(r.ourProxyPeakRssMBAfterThroughputRuns === undefined ? [] : [
      { name: 'our proxy peak RSS after the throughput runs', unit: 'MB', text: r.ourProxyPeakRssMBAfterThroughputRuns.toFixed(1), note: `one process, ${r.reps} × ${r.fileBytes / 2 ** 20} MiB` },
    ]),
  ];
}

/** Median wall time of `node -e 0`, ms. */
function nodeStartMs(reps: number): number {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - t0);
  }
  return median(times);
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
