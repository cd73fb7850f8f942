// `npm run bench` case "load" (proxy-load.ts): 20 concurrent 256 MiB streams through a fresh
// `xep65 proxy`, paired per rep with one 1 GiB stream through another fresh one (same code, same
// state of the machine), in alternating order. The proxy's peak RSS is that of the 20 streams.
import type { BenchContext } from './measure.js';
import { withOurProxy } from './proxy-cases.js';
import { proxyLoad, type ProxyLoadSample } from './proxy-load.js';
import { median, summarize } from './stats.js';
import type { Row } from './table.js';

const MiB = 1024 * 1024;
export const LOAD = { streams: 20, bytesPerStream: 256 * MiB, oneStreamBytes: 1024 * MiB };
export const LOAD_TARGETS = { aggregateVsOneStream: 0.8, fairness: 0.5, peakRssMBBelow: 200 };

interface LoadRun {
  one: ProxyLoadSample;
  many: ProxyLoadSample;
  manyPeakRssBytes: number;
}

export async function loadCase(ctx: BenchContext, reps: number, alternate: <T extends unknown[]>(i: number, steps: { [K in keyof T]: () => Promise<T[K]> }) => Promise<T>) {
  const runs: LoadRun[] = [];
  for (let i = 0; i < reps; i++) {
    const [one, many] = await alternate<[ProxyLoadSample, { sample: ProxyLoadSample; peak: number }]>(i, [
      async () => (await withOurProxy(ctx, (p) => proxyLoad(ctx, p, { streams: 1, bytesPerStream: LOAD.oneStreamBytes }))).result,
      async () => {
        const { result, stats } = await withOurProxy(ctx, (p) => proxyLoad(ctx, p, { streams: LOAD.streams, bytesPerStream: LOAD.bytesPerStream }));
        return { sample: result, peak: stats.peakRssBytes };
      },
    ]);
    runs.push({ one, many: many.sample, manyPeakRssBytes: many.peak });
  }
  const json = {
    streams: LOAD.streams,
    bytesPerStream: LOAD.bytesPerStream,
    oneStreamMBps: summarize(runs.map((r) => r.one.aggregateMBps)),
    aggregateMBps: summarize(runs.map((r) => r.many.aggregateMBps)),
    aggregateVsOneStream: median(runs.map((r) => r.many.aggregateMBps / r.one.aggregateMBps)),
    fairness: summarize(runs.map((r) => r.many.fairness)),
    proxyPeakRssMB: summarize(runs.map((r) => r.manyPeakRssBytes / 1e6)),
    targets: LOAD_TARGETS,
  };
  const rows: Row[] = [
    { name: 'our proxy, one 1 GiB stream (baseline)', unit: 'MB/s', value: json.oneStreamMBps },
    { name: `our proxy, ${LOAD.streams} × ${LOAD.bytesPerStream / MiB} MiB at once`, unit: 'MB/s', value: json.aggregateMBps, ratio: json.aggregateVsOneStream, note: `aggregate; ratio to one stream; target ≥ ${LOAD_TARGETS.aggregateVsOneStream}×` },
    { name: `  fairness (slowest / fastest stream)`, unit: '', value: json.fairness, note: `target ≥ ${LOAD_TARGETS.fairness}` },
    { name: `  proxy peak RSS`, unit: 'MB', value: json.proxyPeakRssMB, note: `target < ${LOAD_TARGETS.peakRssMBBelow} MB` },
  ];
  return { json, rows };
}
