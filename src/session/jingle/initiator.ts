// Sending a file by Jingle (XEP-0234 §6.1 as initiator, XEP-0166 §6.2): session-initiate with one
// content (creator and senders 'initiator'), our S5B candidates (XEP-0260) or IBB (XEP-0261) when
// we have none, the responder's session-accept, the transport (S5B nomination, or IBB by the
// transport the responder chose or by transport-replace after S5B failed). After the last byte:
// session-info <checksum/> (§8.2), then the responder's session-terminate <success/>.
import { randomBytes } from 'node:crypto';
import xml from '@xmpp/xml';
import { NoStreamhostError, Xep65Error, toXep65Error } from '../../errors.js';
import type { Streamhost } from '../../stanzas/bytestreams.js';
import type { FileDescription, FileRange } from '../../stanzas/file.js';
import type { Hash } from '../../stanzas/hashes.js';
import type { JingleContent } from '../../stanzas/jingle.js';
import { buildChecksum, buildFileTransferDescription, parseFileTransferDescription } from '../../stanzas/jingle-ft.js';
import { buildIbbTransport, type IbbTransport } from '../../stanzas/jingle-ibb.js';
import { buildS5bTransport } from '../../stanzas/jingle-s5b.js';
import { parseJingleTransport, type JingleTransport } from '../../stanzas/jingle-transport.js';
import { openIbb, type IbbWriter } from '../bytestream/ibb-sender.js';
import type { EventSink, TransportKind } from '../events.js';
import type { Bytestream, Socks5Dialer, StreamhostListenerPort, XmppPort } from '../ports.js';
import { ibbOf, ibbTransport, replaceWithIbb, acceptIbb } from './ibb-transport.js';
import { reasonFor } from './reasons.js';
import type { JingleRouter } from './router.js';
import { negotiateS5b, offerS5b, type S5bOffer } from './s5b-transport.js';
import { JingleSession } from './session.js';

export interface JingleTimings {
  iqMs: number;
  staggerMs: number;
  perHostMs: number;
  connectBudgetMs: number;
  /** From session-accept (or session-initiate, as responder) to an open bytestream: one deadline. */
  negotiationMs: number;
}

export interface JingleSendOptions {
  xmpp: XmppPort;
  router: JingleRouter;
  dial: Socks5Dialer;
  listener?: StreamhostListenerPort;
  peer: string;
  file: FileDescription;
  /** Our own streamhost's addresses (jid: ours), then the proxies. */
  direct: Streamhost[];
  proxies: Streamhost[];
  ibb: boolean;
  offerTimeoutMs: number;
  timings: JingleTimings;
  onEvent: EventSink;
  signal?: AbortSignal;
}

export type JingleChannel = { kind: 's5b'; bytestream: Bytestream } | { kind: 'ibb'; writer: IbbWriter };

export interface JingleOutgoing {
  sid: string;
  /** The part of the file the responder asked for in session-accept (XEP-0234 §6.4); absent: all. */
  range?: FileRange;
  transport: TransportKind;
  channel: JingleChannel;
  /** Aborts when the responder ends the session (its reason is the abort reason). */
  signal: AbortSignal;
  /** After the last byte: the checksum, then the responder's verdict (bounded by waitMs). */
  finish(checksum: Hash, waitMs: number): Promise<void>;
  /** Ends the session after our failure; resolves with the error to report (the peer's reason when it ended the session first). */
  fail(error: unknown): Promise<Xep65Error>;
}

const CONTENT = { creator: 'initiator', name: 'file', senders: 'initiator' } as const;

export async function sendByJingle(o: JingleSendOptions): Promise<JingleOutgoing> {
  const session = new JingleSession({ xmpp: o.xmpp, peer: o.peer, sid: `xep65-${randomBytes(8).toString('hex')}`, role: 'initiator', iqTimeoutMs: o.timings.iqMs });
  o.router.add(session);
  const ended = new AbortController();
  session.onEnd((error) => ended.abort(error));
  const signal = o.signal ? AbortSignal.any([o.signal, ended.signal]) : ended.signal;
  const content = { creator: CONTENT.creator, name: CONTENT.name };
  let s5b: S5bOffer | undefined;
  try {
    s5b = o.direct.length + o.proxies.length > 0 ? offerS5b({ ...o, session, connectTimeoutMs: o.timings.perHostMs * 2, signal }) : undefined;
    if (!s5b && !o.ibb) throw new NoStreamhostError('no transport to offer: our own streamhost is disabled, no proxy was found and IBB is off', []);
    // XEP-0260 §2.2: 'dstaddr' SHOULD be included when at least one candidate is a proxy, so the
    // responder gives the proxy the same DST.ADDR we do (Libervia 0.9 sends it; we did not).
    const dstaddr = s5b?.candidates.some((c) => c.type === 'proxy') ? { dstAddr: s5b.dstAddr } : {};
    const transport = s5b ? buildS5bTransport({ sid: s5b.tsid, mode: 'tcp', ...dstaddr, kind: 'candidates', candidates: s5b.candidates }) : buildIbbTransport(ibbTransport());
    const description = buildFileTransferDescription(o.file);
    // XEP-0234 §5 makes <desc/> optional, but Libervia 0.9 formats its "accept this file?" prompt
    // with the offer's fields and ends the session with <failed-application/> 'desc' (a Python
    // KeyError) when there is none. An empty <desc/> means the same as no description to any peer.
    if (!o.file.desc) description.getChild('file')?.append(xml('desc'));
    const initiate: JingleContent = { ...CONTENT, description, transport };
    const accepted = session.next((j) => j.action === 'session-accept', AbortSignal.any([signal, AbortSignal.timeout(o.offerTimeoutMs)]));
    accepted.catch(() => undefined);
    await session.send('session-initiate', { contents: [initiate] }, signal);
    o.onEvent({ kind: 'offer-sent', to: o.peer, sid: session.sid, file: { name: o.file.name, size: o.file.size }, protocol: 'jingle' });
    const accept = await accepted.catch((err: unknown) => {
      throw timeoutAs(err, `${o.peer} did not answer the offer within ${Math.round(o.offerTimeoutMs / 1000)} s`);
    });
    const chosen = accept.contents[0]?.transport;
    const parsed = chosen ? parseJingleTransport(chosen) : undefined;
    if (!parsed?.ok) throw new Xep65Error('protocol', `${o.peer} accepted without a transport we can use`);
    const range = acceptedRange(o, accept.contents[0]?.description);
    o.onEvent({ kind: 'accepted', peer: o.peer, sid: session.sid, method: chosen!.getNS() ?? '', protocol: 'jingle', ...(range ? { resumedFrom: range.offset } : {}) });
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(o.timings.negotiationMs)]);
    const opened = await openChannel(o, session, content, s5b, parsed.value, deadline, signal).catch((err: unknown) => {
      throw timeoutAs(err, `no bytestream with ${o.peer} within ${Math.round(o.timings.negotiationMs / 1000)} s`);
    });
    o.onEvent({ kind: 'transport', sid: session.sid, protocol: 'jingle', transport: opened.transport });
    return {
      sid: session.sid,
      ...(range ? { range } : {}),
      ...opened,
      signal,
      finish: (checksum, waitMs) => finish(session, content, checksum, waitMs),
      fail: async (err) => {
        const error = session.peerEnd ?? toXep65Error(err);
        await session.terminate(reasonFor(error));
        return error;
      },
    };
  } catch (err) {
    s5b?.own.release();
    const error = session.peerEnd ?? toXep65Error(err);
    await session.terminate(reasonFor(error));
    throw error;
  }
}

/**
 * The range in session-accept's <file/>, when it asks for less than the whole file; one outside
 * the file fails the session (the responder would wait for bytes that cannot come).
 */
function acceptedRange(o: JingleSendOptions, description: JingleContent['description']): FileRange | undefined {
  const parsed = description ? parseFileTransferDescription(description) : undefined;
  const range = parsed?.ok ? parsed.value.range : undefined;
  if (!range || (range.offset === 0 && range.length === undefined)) return undefined;
  if (range.offset > o.file.size || (range.length !== undefined && range.offset + range.length > o.file.size)) {
    throw new Xep65Error('protocol', `${o.peer} asked for bytes ${range.offset}+${range.length ?? 'rest'} of a ${o.file.size}-byte file`);
  }
  return range;
}

type Opened = { transport: TransportKind; channel: JingleChannel };
type Content = Pick<JingleContent, 'creator' | 'name'>;

/** The transport the responder took (within `signal`, the negotiation deadline; IBB data then runs on `transferSignal`): S5B (and IBB after it failed on both sides), or IBB at once. */
async function openChannel(o: JingleSendOptions, session: JingleSession, content: Content, s5b: S5bOffer | undefined, chosen: JingleTransport, signal: AbortSignal, transferSignal: AbortSignal): Promise<Opened> {
  if (chosen.method === 'ibb') {
    s5b?.own.release();
    return openInBand(o, session, chosen.transport, transferSignal);
  }
  if (!s5b || chosen.transport.kind !== 'candidates') throw new Xep65Error('protocol', `${o.peer} accepted with SOCKS5, which we did not offer`);
  try {
    const result = await negotiateS5b({
      session,
      content,
      ours: s5b,
      theirs: { candidates: chosen.transport.candidates, ...(chosen.transport.dstAddr ? { dstAddr: chosen.transport.dstAddr } : {}) },
      dial: o.dial,
      staggerMs: o.timings.staggerMs,
      perHostTimeoutMs: o.timings.perHostMs,
      budgetMs: o.timings.connectBudgetMs,
      onEvent: o.onEvent,
      signal,
    });
    return { transport: result.transport, channel: { kind: 's5b', bytestream: result.bytestream } };
  } catch (err) {
    if (!(o.ibb && err instanceof NoStreamhostError)) throw err;
    // XEP-0260 §2.6: the responder may have proposed the replacement already; else we do.
    const theirs = await session.next((j) => j.action === 'transport-replace', AbortSignal.timeout(0)).catch(() => undefined);
    const ibb = theirs ? await acceptIbb(session, content, ibbOf(theirs) ?? ibbTransport(), signal) : await replaceWithIbb(session, content, signal);
    o.onEvent({ kind: 'transport-replaced', sid: session.sid, transport: 'ibb' });
    return openInBand(o, session, ibb, transferSignal);
  }
}

async function openInBand(o: JingleSendOptions, session: JingleSession, t: IbbTransport, signal: AbortSignal): Promise<Opened> {
  const writer = await openIbb(o.xmpp, o.peer, t.sid, { timeoutMs: o.timings.iqMs, signal, blockSize: t.blockSize });
  o.onEvent({ kind: 'ibb-opened', sid: session.sid, blockSize: writer.blockSize });
  return { transport: 'ibb', channel: { kind: 'ibb', writer } };
}

/** §8.2 then §6.1 step 9: our checksum, and the responder's session-terminate decides. */
async function finish(session: JingleSession, content: Content, checksum: Hash, waitMs: number): Promise<void> {
  const verdict = new Promise<void>((resolve, reject) =>
    session.onEnd((error, reason) => (reason?.condition === 'success' ? resolve() : reject(error))),
  );
  verdict.catch(() => undefined);
  await session.send('session-info', { payloads: [buildChecksum({ ...content, hashes: [checksum] })] }).catch((err: unknown) => {
    if (!session.isEnded) throw err; // a responder that already ended the session has answered
  });
  const timer = AbortSignal.timeout(waitMs);
  const late = new Promise<never>((_, reject) =>
    timer.addEventListener('abort', () => reject(new Xep65Error('stream-broken', `${session.peer} did not confirm the file within ${Math.round(waitMs / 1000)} s after the last byte`)), { once: true }),
  );
  late.catch(() => undefined);
  try {
    await Promise.race([verdict, late]);
  } catch (err) {
    await session.terminate({ condition: 'timeout', text: 'no confirmation after the last byte' });
    throw err;
  }
}

/** A wait that ran out (session.next's 'timeout') said in words of the step that waited. */
export function timeoutAs(err: unknown, message: string): unknown {
  return err instanceof Xep65Error && err.code === 'timeout' && err.cause instanceof DOMException ? new Xep65Error('timeout', message, { cause: err }) : err;
}
