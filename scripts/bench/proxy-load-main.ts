// A standalone driver for the proxy-under-load case (proxy-load.ts), outside `npm run bench`:
// a private Prosody, and a fresh `xep65 proxy` for each case so its peak RSS is that case's.
//   node dist/scripts/bench/proxy-load-main.js [--cases 1x256,20x64,20x256] [--verify sampled|full]
// A case is STREAMSxMiB_PER_STREAM. Aggregate / one stream is against the first 1x case of the run.
import { parseArgs } from 'node:util';
import { startProsody } from '../../test/helpers/prosody.js';
import { accountEnv } from '../../test/helpers/cli.js';
import type { BenchContext } from './measure.js';
import { COMPONENT_SECRET, withOurProxy } from './proxy-cases.js';
import { proxyLoad, type ProxyLoadSample } from './proxy-load.js';
import type { Verify } from './proxy-streams.js';

const MiB = 1024 * 1024;
const TARGETS = { ratio: 0.8, fairness: 0.5, peakRssBytes: 200e6 };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { cases: { type: 'string', default: '1x256,20x256' }, verify: { type: 'string', default: 'sampled' } },
  });
  const cases = String(values.cases).split(',').map((c) => {
    const m = /^(\d+)x(\d+)$/.exec(c);
    if (!m) throw new Error(`a case is STREAMSxMIB, not '${c}'`);
    return { streams: Number(m[1]), bytesPerStream: Number(m[2]) * MiB };
  });
  const verify = values.verify as Verify;
  const prosody = await startProsody({ accounts: [{ user: 'alice', password: 'load-a' }], componentSecret: COMPONENT_SECRET });
  process.once('SIGINT', () => process.exit(130)); // runs the exit hooks that kill Prosody and the proxy by PID
  try {
    const ctx: BenchContext = { prosody, alice: accountEnv(prosody, 'alice', 'load-a'), bob: {}, outDir: '' };
    let one: ProxyLoadSample | undefined;
    for (const c of cases) {
      // VmHWM read before stopping: the stats record's getrusage() maxRSS also counts this
      // process's RSS at the time it spawned the proxy (Linux keeps ru_maxrss across fork + exec).
      const { result, stats } = await withOurProxy(ctx, async (proxy) => {
        const sample = await proxyLoad(ctx, proxy, { ...c, verify });
        return { sample, proxy, vmHwm: proxy.peakRssNowBytes() };
      });
      const { sample, vmHwm } = result;
      const relayed = result.proxy.bytesRelayed();
      if (relayed !== c.streams * c.bytesPerStream) throw new Error(`the proxy relayed ${relayed} bytes, expected ${c.streams * c.bytesPerStream}`);
      if (c.streams === 1) one ??= sample;
      const ratio = one && c.streams > 1 ? sample.aggregateMBps / one.aggregateMBps : undefined;
      const rates = sample.perStreamMBps.map((r) => r.toFixed(0));
      console.log(
        `${c.streams} x ${c.bytesPerStream / MiB} MiB: ${sample.aggregateMBps.toFixed(0)} MB/s aggregate in ${sample.seconds.toFixed(2)} s` +
          (ratio === undefined ? '' : `, ${ratio.toFixed(2)}x one stream (target >= ${TARGETS.ratio})`) +
          (c.streams > 1 ? `, fairness ${sample.fairness.toFixed(2)} (target >= ${TARGETS.fairness})` : '') +
          `, proxy peak RSS ${(vmHwm / 1e6).toFixed(0)} MB (VmHWM; target < ${TARGETS.peakRssBytes / 1e6}; its stats record says ${(stats.peakRssBytes / 1e6).toFixed(0)} MB)` +
          `, proxy CPU ${stats.cpuSeconds.toFixed(1)} s` +
          (c.streams > 1 ? `\n  per stream MB/s: ${rates.join(' ')}` : ''),
      );
    }
  } finally {
    await prosody.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
