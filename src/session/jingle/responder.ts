// Receiving a file by Jingle (XEP-0234 §6.1 as responder, XEP-0166 §6.3): a session-initiate is
// acknowledged first, then checked (one content offering a file with senders 'initiator', FT :5,
// S5B or IBB); what we cannot take is ended with the XEP-0166 reason (unsupported-applications,
// unsupported-transports, decline). An accepted offer gets session-accept with our candidates,
// then the transport: S5B nomination (XEP-0260), IBB when offered, or IBB after the initiator's
// transport-replace (XEP-0260 §2.6). The hash comes from the offer or a later <checksum/> (§8.2).
import { Xep65Error, toXep65Error } from '../../errors.js';
import type { Streamhost } from '../../stanzas/bytestreams.js';
import { fileToSi, type FileDescription } from '../../stanzas/file.js';
import type { Hash, HashAlgo } from '../../stanzas/hashes.js';
import type { Jingle, JingleContent, JingleReason } from '../../stanzas/jingle.js';
import { buildFileTransferDescription, buildReceived, parseFileTransferDescription, parseFileTransferInfo } from '../../stanzas/jingle-ft.js';
import { buildIbbTransport, type IbbTransport } from '../../stanzas/jingle-ibb.js';
import { buildS5bTransport, type S5bTransport } from '../../stanzas/jingle-s5b.js';
import { parseJingleTransport } from '../../stanzas/jingle-transport.js';
import { NS_JINGLE_IBB, NS_JINGLE_S5B } from '../../stanzas/ns.js';
import { buildError } from '../../stanzas/stanza-error.js';
import type { IbbReceiver } from '../bytestream/ibb-receiver.js';
import type { EventSink, TransportKind } from '../events.js';
import type { OfferLimits } from '../offer-limits.js';
import type { Bytestream, IqAnswer, Socks5Dialer, StreamhostListenerPort, XmppPort } from '../ports.js';
import { ibbOf, acceptIbb } from './ibb-transport.js';
import { timeoutAs, type JingleTimings } from './initiator.js';
import { reasonFor } from './reasons.js';
import type { JingleRouter } from './router.js';
import { negotiateS5b, offerS5b } from './s5b-transport.js';
import { JingleSession } from './session.js';
import type { IncomingFileOffer } from './incoming.js';

export interface JingleReceiverOptions {
  xmpp: XmppPort;
  router: JingleRouter;
  dial: Socks5Dialer;
  /** Our own streamhost for direct candidates, at `direct` (none: we only dial theirs). */
  listener?: StreamhostListenerPort;
  direct: Streamhost[];
  /** In-band bytestreams, when we accept them. */
  ibb?: IbbReceiver;
  limits: OfferLimits;
  decide(offer: IncomingFileOffer): Promise<boolean>;
  /** For an accepted offer with <range/> (XEP-0234 §6.4): the bytes we already have (0: none). */
  resumeOffset?(offer: IncomingFileOffer): Promise<number>;
  onStream(offer: IncomingFileOffer, incoming: JingleIncoming): void;
  onFailed(offer: IncomingFileOffer, error: Xep65Error): void;
  onEvent: EventSink;
  timings: JingleTimings & { ibbFallbackMs: number };
  signal?: AbortSignal;
}

export interface JingleIncoming {
  bytestream: Bytestream;
  transport: TransportKind;
  /** The sender's hash for one of `algos` (the offer's, else the <checksum/> within waitMs); undefined: none came. */
  expectedHash(algos: readonly HashAlgo[], waitMs: number): Promise<Hash | undefined>;
  /** Ends the session: success (session-info <received/>, then <success/>) or our failure's reason. */
  finish(error?: Xep65Error): Promise<void>;
}

type Content = Pick<JingleContent, 'creator' | 'name'>;
interface Checked {
  content: JingleContent;
  file: FileDescription;
  transport: { method: 's5b'; transport: S5bTransport } | { method: 'ibb'; transport: IbbTransport };
}

export function serveJingleReceiver(o: JingleReceiverOptions): void {
  o.router.onInitiate((from, jingle): IqAnswer => {
    const session = new JingleSession({ xmpp: o.xmpp, peer: from, sid: jingle.sid, role: 'responder', iqTimeoutMs: o.timings.iqMs });
    const checked = check(jingle, o);
    if ('error' in checked) return checked.error;
    o.router.add(session);
    // After our acknowledgement: the answer is a new IQ (XEP-0166 §6.3).
    setImmediate(() => void ('refuse' in checked ? session.terminate(checked.refuse) : answer(o, session, checked)));
    return true;
  });
}

/** An IQ error for a malformed offer (§6.3.2), a reason to end a well-formed one we cannot take, or the offer. */
function check(j: Jingle, o: JingleReceiverOptions): { error: IqAnswer } | { refuse: JingleReason } | Checked {
  const bad = (text: string) => ({ error: buildError('modify', 'bad-request', { text }) });
  const [content, ...more] = j.contents;
  if (!content) return bad('session-initiate without a content');
  if (!content.description) return bad('the content has no description');
  if (!content.transport) return bad('the content has no transport');
  const file = parseFileTransferDescription(content.description);
  if (!file.ok && (file.reason === 'bad-request' || file.reason === 'incomplete')) return bad(file.message);
  if (!file.ok) return { refuse: { condition: 'unsupported-applications', text: file.message } };
  const transport = parseJingleTransport(content.transport);
  if (!transport.ok && transport.reason === 'bad-request') return bad(transport.message);
  if (!transport.ok) return { refuse: { condition: 'unsupported-transports', text: transport.message } };
  if (more.length > 0) return { refuse: { condition: 'decline', text: 'one file per session, please' } };
  if ((content.senders ?? 'both') !== 'initiator') return { refuse: { condition: 'decline', text: 'this client only receives files that are offered to it' } };
  if (transport.value.method === 'ibb' && !o.ibb) return { refuse: { condition: 'unsupported-transports', text: 'in-band bytestreams are disabled here' } };
  if (transport.value.method === 's5b' && transport.value.transport.mode === 'udp') return { refuse: { condition: 'unsupported-transports', text: 'SOCKS5 UDP mode is not supported' } };
  return { content, file: file.value, transport: transport.value };
}

async function answer(o: JingleReceiverOptions, session: JingleSession, c: Checked): Promise<void> {
  const offer: IncomingFileOffer = { from: session.peer, sid: session.sid, file: fileToSi(c.file), description: c.file, protocol: 'jingle' };
  const slot = o.limits.take(session.peer);
  if (!slot) {
    o.onEvent({ kind: 'declined', peer: session.peer, sid: session.sid, file: offer.file, reason: 'too many offers at once' });
    return session.terminate({ condition: 'busy', text: 'Too many transfers at once; try again later' });
  }
  const ended = new AbortController();
  session.onEnd((error) => ended.abort(error));
  const signal = o.signal ? AbortSignal.any([o.signal, ended.signal]) : ended.signal;
  let delivered = false;
  let decided = false;
  try {
    o.onEvent({ kind: 'offer', from: session.peer, sid: session.sid, file: offer.file, protocol: 'jingle' });
    const accepted = await Promise.race([o.decide(offer), new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
    decided = accepted;
    if (!accepted) {
      o.onEvent({ kind: 'declined', peer: session.peer, sid: session.sid, file: offer.file, reason: o.signal?.aborted ? 'interrupted' : 'not accepted' });
      return await session.terminate({ condition: 'decline', text: 'Offer Declined' });
    }
    const content = { creator: c.content.creator, name: c.content.name };
    // Resuming: session-accept's <file/> carries <range offset/>, so only the rest comes.
    const offset = c.file.range && o.resumeOffset ? await o.resumeOffset(offer) : 0;
    if (offset > 0) offer.resumeFrom = offset;
    const agreed = offset > 0 ? { ...c, file: { ...c.file, range: { offset } } } : c;
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(o.timings.negotiationMs)]);
    const opened = await openChannel(o, session, agreed, content, deadline).catch((err: unknown) => {
      throw timeoutAs(err, `no bytestream with ${session.peer} within ${Math.round(o.timings.negotiationMs / 1000)} s`);
    });
    o.onEvent({ kind: 'transport', sid: session.sid, protocol: 'jingle', transport: opened.transport });
    session.onEnd((error) => opened.bytestream.stream.destroy(error));
    opened.bytestream.stream.once('close', slot);
    delivered = true;
    o.onStream(offer, {
      ...opened,
      expectedHash: (algos, waitMs) => expectedHash(session, c.file, algos, waitMs),
      finish: (error) => finish(session, content, error),
    });
  } catch (err) {
    const error = session.peerEnd ?? toXep65Error(err);
    await session.terminate(reasonFor(error));
    // Only an accepted offer is a transfer that failed; one withdrawn while we decided is not.
    if (decided) o.onFailed(offer, error);
    else o.onEvent({ kind: 'declined', peer: session.peer, sid: session.sid, file: offer.file, reason: error.message });
  } finally {
    if (!delivered) slot();
  }
}

async function openChannel(o: JingleReceiverOptions, session: JingleSession, c: Checked, content: Content, signal: AbortSignal): Promise<{ bytestream: Bytestream; transport: TransportKind }> {
  const description = buildFileTransferDescription(c.file);
  const accept = (transport: JingleContent['transport']) =>
    session.send('session-accept', { contents: [{ ...c.content, description, ...(transport ? { transport } : {}) }] }, signal);
  if (c.transport.method === 'ibb') {
    const agreed = { ...c.transport.transport, blockSize: Math.min(c.transport.transport.blockSize, 65535) };
    const opened = expectIbb(o, session, agreed.sid, signal);
    await accept(buildIbbTransport(agreed));
    o.onEvent({ kind: 'accepted', peer: session.peer, sid: session.sid, method: NS_JINGLE_IBB, protocol: 'jingle' });
    return { bytestream: { stream: await opened }, transport: 'ibb' };
  }
  const theirs = c.transport.transport;
  const ours = offerS5b({ xmpp: o.xmpp, session, dial: o.dial, ...(o.listener ? { listener: o.listener } : {}), direct: o.direct, proxies: [], connectTimeoutMs: o.timings.perHostMs * 2, tsid: theirs.sid, signal });
  try {
    await accept(buildS5bTransport({ sid: ours.tsid, kind: 'candidates', candidates: ours.candidates }));
    o.onEvent({ kind: 'accepted', peer: session.peer, sid: session.sid, method: NS_JINGLE_S5B, protocol: 'jingle' });
    const result = await negotiateS5b({
      session,
      content,
      ours,
      theirs: { candidates: theirs.kind === 'candidates' ? theirs.candidates : [], ...(theirs.dstAddr ? { dstAddr: theirs.dstAddr } : {}) },
      dial: o.dial,
      staggerMs: o.timings.staggerMs,
      perHostTimeoutMs: o.timings.perHostMs,
      budgetMs: o.timings.connectBudgetMs,
      onEvent: o.onEvent,
      signal,
    });
    return { bytestream: result.bytestream, transport: result.transport };
  } catch (err) {
    ours.own.release();
    if (!(o.ibb && err instanceof Xep65Error && err.code === 'no-streamhost')) throw err;
    return fallBackToIbb(o, session, content, signal);
  }
}

/** XEP-0260 §2.6: S5B failed; the initiator proposes IBB by transport-replace, and we accept it. */
async function fallBackToIbb(o: JingleReceiverOptions, session: JingleSession, content: Content, signal: AbortSignal): Promise<{ bytestream: Bytestream; transport: TransportKind }> {
  const wait = AbortSignal.any([signal, AbortSignal.timeout(o.timings.ibbFallbackMs)]);
  const replace = await session.next((j) => j.action === 'transport-replace', wait).catch((err: unknown) => {
    throw timeoutAs(err, `no SOCKS5 candidate worked and ${session.peer} did not fall back to in-band bytestreams`);
  });
  const proposed = ibbOf(replace);
  if (!proposed) {
    await session.send('transport-reject', { contents: [{ ...content, ...(replace.contents[0]?.transport ? { transport: replace.contents[0].transport } : {}) }] }, signal);
    throw new Xep65Error('no-streamhost', `${session.peer} proposed a transport we cannot use after SOCKS5 failed`);
  }
  const opened = expectIbb(o, session, proposed.sid, signal);
  await acceptIbb(session, content, proposed, signal);
  o.onEvent({ kind: 'transport-replaced', sid: session.sid, transport: 'ibb' });
  return { bytestream: { stream: await opened }, transport: 'ibb' };
}

function expectIbb(o: JingleReceiverOptions, session: JingleSession, sid: string, signal: AbortSignal) {
  const expectation = o.ibb!.expect(session.peer, sid);
  const opened = new Promise<import('node:stream').Duplex>((resolve, reject) => {
    const onAbort = () => (expectation.cancel() ? reject(toXep65Error(signal.reason)) : undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    expectation.opened.then((s) => (signal.removeEventListener('abort', onAbort), resolve(s)), reject);
  });
  opened.catch(() => undefined);
  return opened;
}

async function expectedHash(session: JingleSession, file: FileDescription, algos: readonly HashAlgo[], waitMs: number): Promise<Hash | undefined> {
  const offered = algos.map((a) => file.hashes.find((h) => h.algo === a)).find((h) => h !== undefined);
  if (offered) return offered;
  const checksumFor = (j: Jingle) =>
    j.action === 'session-info'
      ? j.payloads.map(parseFileTransferInfo).flatMap((p) => (p.ok && p.value.kind === 'checksum' ? p.value.hashes : [])).find((h) => algos.includes(h.algo))
      : undefined;
  const j = await session.next((x) => checksumFor(x) !== undefined, AbortSignal.timeout(waitMs)).catch((err: unknown) => {
    if (err instanceof Xep65Error && err.code === 'timeout') return undefined;
    throw err;
  });
  return j ? checksumFor(j) : undefined;
}

async function finish(session: JingleSession, content: Content, error: Xep65Error | undefined): Promise<void> {
  if (error) return session.terminate(reasonFor(error));
  await session.send('session-info', { payloads: [buildReceived(content)] }).catch(() => undefined);
  await session.terminate({ condition: 'success' });
}
