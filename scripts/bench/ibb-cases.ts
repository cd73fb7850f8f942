// The "ibb" case (issue 13): In-Band Bytestreams (XEP-0047) through the private Prosody, the path
// of last resort. slixmpp → slixmpp (its own XEP-0047, 4 KiB blocks, test/interop/slixmpp_peer.py)
// is the baseline; beside it xep65 → slixmpp (SI, our 64 KiB blocks), xep65 → xep65 by SI (64 KiB)
// and by Jingle (XEP-0261, the 4 KiB we offer there). Each rate is the receiver's first byte to
// its last (slixmpp prints it as TIMING; xep65's `done.seconds` is its data phase).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { runSlixmpp, type SlixmppRun } from '../../test/helpers/slixmpp.js';
import { settle, xep65Transfer, type BenchContext, type TransferSample } from './measure.js';
import { runXep65 } from './processes.js';

export interface IbbSample {
  seconds: number;
  /** Peak RSS of the xep65 ends, when there are any. */
  senderPeakRssBytes?: number;
  receiverPeakRssBytes?: number;
  prosodyCpuSeconds?: number;
}

const accountOf = (env: NodeJS.ProcessEnv, resource: string) => ({ jid: `${env.XEP65_JID}/${resource}`, password: String(env.XEP65_PASSWORD) });

/** A slixmpp receiver (bob/sli) for one file; resolves with its first-to-last-byte time. */
async function slixmppReceiver(ctx: BenchContext): Promise<{ run: SlixmppRun; jid: string; seconds: Promise<number> }> {
  const run = runSlixmpp('receive', ctx.prosody, accountOf(ctx.bob, 'sli'), ['--dir', ctx.outDir, '--method', 'ibb', '--timeout', '600']);
  const jid = await run.ready;
  if (!jid) throw new Error(`slixmpp receiver did not come online: ${(await run.done).stderr}`);
  const seconds = run.done.then(async (r) => {
    const timing = /^TIMING (\S+)$/m.exec(r.stdout);
    const done = /^DONE (\S+)/m.exec(r.stdout);
    if (r.code !== 0 || !timing || !done) throw new Error(`slixmpp receiver: ${r.line} ${r.stderr.slice(-300)}`);
    await rm(done[1]!, { force: true });
    return Number(timing[1]);
  });
  return { run, jid, seconds };
}

export async function slixmppToSlixmpp(ctx: BenchContext, file: string): Promise<IbbSample> {
  const receiver = await slixmppReceiver(ctx);
  settle(file);
  const sender = runSlixmpp('send', ctx.prosody, accountOf(ctx.alice, 'slis'), ['--file', file, '--to', receiver.jid, '--method', 'ibb', '--timeout', '600']);
  try {
    return { seconds: await receiver.seconds };
  } finally {
    // Its <close/> goes to a receiver that has logged out once it has every byte: not waited for.
    sender.kill();
    await sender.done;
  }
}

export async function xep65ToSlixmpp(ctx: BenchContext, file: string): Promise<IbbSample> {
  const receiver = await slixmppReceiver(ctx);
  settle(file);
  const sender = runXep65(['send', file, receiver.jid, '--protocol', 'si', '--no-proxy', '--no-direct'], ctx.alice);
  const [seconds, code] = await Promise.all([receiver.seconds, sender.exited]);
  if (code !== 0) throw new Error(`xep65 send to slixmpp exited ${code}: ${JSON.stringify(sender.events.at(-2))}`);
  const stats = await sender.waitFor('stats');
  return { seconds, senderPeakRssBytes: Number(stats.peakRssBytes) };
}

export async function xep65ToXep65(ctx: BenchContext, file: string, protocol: 'si' | 'jingle'): Promise<IbbSample> {
  const s: TransferSample = await xep65Transfer(ctx, file, 'ibb', [], protocol);
  return { seconds: s.seconds, senderPeakRssBytes: s.sender.peakRssBytes, receiverPeakRssBytes: s.receiver.peakRssBytes, prosodyCpuSeconds: s.prosodyCpuSeconds };
}

export const ibbFileName = (dir: string) => path.join(dir, 'ibb.bin');
