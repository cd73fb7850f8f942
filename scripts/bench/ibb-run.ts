// `npm run bench` case "ibb" (ibb-cases.ts): each rep runs the four IBB transfers in alternating
// order over the same file; ratios are paired per rep against slixmpp → slixmpp.
import path from 'node:path';
import { writeRandomFile } from '../../test/helpers/files.js';
import type { BenchContext } from './measure.js';
import { slixmppToSlixmpp, xep65ToSlixmpp, xep65ToXep65, type IbbSample } from './ibb-cases.js';
import { median, summarize } from './stats.js';
import type { Row } from './table.js';

const MB = 1e6;
export const IBB_TARGETS = { xep65VsSlixmpp: 3, xep65ToSlixmppVsSlixmpp: 1 };

export async function ibbCase(ctx: BenchContext, work: string, sizeBytes: number, reps: number, alternate: <T extends unknown[]>(i: number, steps: { [K in keyof T]: () => Promise<T[K]> }) => Promise<T>) {
  const file = path.join(work, 'ibb.bin');
  await writeRandomFile(file, sizeBytes);
  const runs: Array<[IbbSample, IbbSample, IbbSample, IbbSample]> = [];
  for (let i = 0; i < reps; i++) {
    runs.push(await alternate<[IbbSample, IbbSample, IbbSample, IbbSample]>(i, [
      () => slixmppToSlixmpp(ctx, file),
      () => xep65ToSlixmpp(ctx, file),
      () => xep65ToXep65(ctx, file, 'si'),
      () => xep65ToXep65(ctx, file, 'jingle'),
    ]));
  }
  const rate = (k: number) => summarize(runs.map((r) => sizeBytes / r[k]!.seconds / MB));
  const ratio = (k: number) => median(runs.map((r) => r[0].seconds / r[k]!.seconds));
  const rss = (k: number, who: 'senderPeakRssBytes' | 'receiverPeakRssBytes') => Math.max(...runs.map((r) => r[k]![who] ?? 0)) / MB;
  const json = {
    fileBytes: sizeBytes,
    throughputMBps: { slixmppToSlixmpp: rate(0), xep65ToSlixmpp: rate(1), xep65ToXep65Si: rate(2), xep65ToXep65Jingle: rate(3) },
    ratios: { xep65SiVsSlixmpp: ratio(2), xep65JingleVsSlixmpp: ratio(3), xep65ToSlixmppVsSlixmpp: ratio(1) },
    targets: IBB_TARGETS,
    peakRssMB: { siSender: rss(2, 'senderPeakRssBytes'), siReceiver: rss(2, 'receiverPeakRssBytes'), jingleSender: rss(3, 'senderPeakRssBytes'), jingleReceiver: rss(3, 'receiverPeakRssBytes') },
    prosodyCpuSecondsSi: summarize(runs.map((r) => r[2].prosodyCpuSeconds ?? NaN)),
  };
  const mib = sizeBytes / 2 ** 20;
  const rows: Row[] = [
    { name: `IBB slixmpp → slixmpp, ${mib} MiB (baseline)`, unit: 'MB/s', value: json.throughputMBps.slixmppToSlixmpp, note: 'its XEP-0047, 4 KiB blocks' },
    { name: 'IBB xep65 → slixmpp (SI)', unit: 'MB/s', value: json.throughputMBps.xep65ToSlixmpp, ratio: json.ratios.xep65ToSlixmppVsSlixmpp, note: `ratio to slixmpp → slixmpp; target ≥ ${IBB_TARGETS.xep65ToSlixmppVsSlixmpp}×` },
    { name: 'IBB xep65 → xep65, SI, 64 KiB blocks', unit: 'MB/s', value: json.throughputMBps.xep65ToXep65Si, ratio: json.ratios.xep65SiVsSlixmpp, note: `ratio to slixmpp → slixmpp; target ≥ ${IBB_TARGETS.xep65VsSlixmpp}×` },
    { name: 'IBB xep65 → xep65, Jingle (XEP-0261), 4 KiB', unit: 'MB/s', value: json.throughputMBps.xep65ToXep65Jingle, ratio: json.ratios.xep65JingleVsSlixmpp, note: 'ratio to slixmpp → slixmpp' },
    { name: 'IBB peak RSS, SI sender / receiver', unit: 'MB', text: `${json.peakRssMB.siSender.toFixed(1)} / ${json.peakRssMB.siReceiver.toFixed(1)}` },
  ];
  return { json, rows };
}
