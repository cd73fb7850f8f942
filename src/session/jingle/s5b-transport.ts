// Jingle SOCKS5 Bytestreams (XEP-0260 §2.2-2.5) over the shared bytestream layer: our candidates
// (direct on our own streamhost, then proxies; priority 2^16 × type preference + local
// preference), both sides trying the other's, each telling its result (candidate-used or
// candidate-error), and the nomination rule: the higher priority wins, on a tie the initiator's
// choice (§2.4; Smack's `isInitiator() ? ourChoice : theirChoice`). A proxy candidate is
// activated by the side that offered it, which then sends <activated/>; a failed activation is
// <proxy-error/>. DST.ADDR hashes the transport sid with the candidate's creator first (§2.2).
import { randomBytes } from 'node:crypto';
import { NoStreamhostError, Xep65Error } from '../../errors.js';
import { dstAddr } from '../../socks5/dst-addr.js';
import type { Streamhost } from '../../stanzas/bytestreams.js';
import type { Jingle, JingleContent } from '../../stanzas/jingle.js';
import { buildS5bTransport, candidatePriority, parseS5bTransport, type S5bCandidate, type S5bPayload } from '../../stanzas/jingle-s5b.js';
import { NS_JINGLE_S5B } from '../../stanzas/ns.js';
import { connectToCandidates } from '../bytestream/connect-candidates.js';
import { prepareOwnCandidates, type OwnCandidates } from '../bytestream/use-own-candidate.js';
import type { Candidate } from '../bytestream/candidate.js';
import type { EventSink, TransportKind } from '../events.js';
import type { Bytestream, Socks5Dialer, StreamhostListenerPort, XmppPort } from '../ports.js';
import type { JingleSession } from './session.js';

/** Candidates of the peer's we try at most (a hostile list costs no dials). */
export const MAX_CANDIDATES = 16;

export interface S5bOffer {
  tsid: string;
  candidates: S5bCandidate[];
  /** SHA1(tsid + our JID + peer's JID): the DST.ADDR of our candidates (§2.2). */
  dstAddr: string;
  own: OwnCandidates;
}

export interface S5bOfferOptions {
  xmpp: XmppPort;
  session: JingleSession;
  dial: Socks5Dialer;
  listener?: StreamhostListenerPort;
  /** Where our own streamhost is reachable (jid is ours). */
  direct: Streamhost[];
  proxies: Streamhost[];
  connectTimeoutMs: number;
  /** The transport sid, when the peer chose it (the responder answers with the initiator's). */
  tsid?: string;
  signal: AbortSignal;
}

/** Our side of the transport: its sid and candidates, with the listener already expecting the peer. */
export function offerS5b(o: S5bOfferOptions): S5bOffer {
  const tsid = o.tsid ?? `xep65-${randomBytes(8).toString('hex')}`;
  const me = o.session.role === 'initiator' ? o.session.initiator : o.session.responder;
  const ourDstAddr = dstAddr(tsid, me, o.session.peer);
  const own = prepareOwnCandidates({
    xmpp: o.xmpp,
    dial: o.dial,
    ...(o.listener ? { listener: o.listener } : {}),
    dstAddr: ourDstAddr,
    peer: o.session.peer,
    connectTimeoutMs: o.connectTimeoutMs,
    signal: o.signal,
  });
  const localPreference = (i: number) => Math.max(0, 65535 - i);
  const candidates = [
    ...o.direct.map((s, i) => toCandidate(s, 'direct', localPreference(i))),
    ...o.proxies.map((s, i) => toCandidate(s, 'proxy', localPreference(i))),
  ];
  return { tsid, candidates, own, dstAddr: ourDstAddr };
}

function toCandidate(s: Streamhost, type: 'direct' | 'proxy', localPreference: number): S5bCandidate {
  return { cid: randomBytes(6).toString('hex'), host: s.host, port: s.port, jid: s.jid, type, priority: candidatePriority(type, localPreference) };
}

export interface S5bNegotiation {
  session: JingleSession;
  content: Pick<JingleContent, 'creator' | 'name'>;
  ours: S5bOffer;
  /** The peer's candidates and, if it said so, the DST.ADDR it computed for them. */
  theirs: { candidates: S5bCandidate[]; dstAddr?: string };
  dial: Socks5Dialer;
  staggerMs: number;
  perHostTimeoutMs: number;
  budgetMs: number;
  onEvent: EventSink;
  /** The negotiation's one deadline. */
  signal: AbortSignal;
}

export interface S5bResult {
  bytestream: Bytestream;
  candidate: S5bCandidate;
  /** Whether the nominated candidate is one of ours (the peer connected to it). */
  ours: boolean;
  transport: Extract<TransportKind, 's5b-direct' | 's5b-proxy'>;
}

/** The whole S5B negotiation, both roles; tells the nominated candidate (and its SI-era alias). */
export async function negotiateS5b(n: S5bNegotiation): Promise<S5bResult> {
  const { bytestream, candidate, ours } = await negotiate(n);
  n.onEvent({ kind: 'candidate-nominated', sid: n.session.sid, candidate, ours });
  n.onEvent({ kind: 'streamhost-used', sid: n.session.sid, streamhost: candidate });
  return { bytestream, candidate, ours, transport: candidate.type === 'proxy' ? 's5b-proxy' : 's5b-direct' };
}

async function negotiate(n: S5bNegotiation): Promise<Omit<S5bResult, 'transport'>> {
  const { session } = n;
  const peerNotice = session.next((j) => noticeOf(j, n.ours.tsid, ['candidate-used', 'candidate-error']) !== undefined, n.signal);
  peerNotice.catch(() => undefined); // awaited below, after our own attempt
  const mine = await connectTheirs(n).catch((err: unknown) => {
    if (err instanceof NoStreamhostError) return undefined;
    throw err;
  });
  const notice: S5bPayload = mine ? { kind: 'candidate-used', cid: mine.candidate.cid } : { kind: 'candidate-error' };
  await sendNotice(n, notice);
  const theirs = noticeOf(await peerNotice, n.ours.tsid, ['candidate-used', 'candidate-error'])!;
  const theirChoice = theirs.kind === 'candidate-used' ? n.ours.candidates.find((c) => c.cid === theirs.cid) : undefined;
  if (theirs.kind === 'candidate-used' && !theirChoice) {
    mine?.bytestream.stream.destroy();
    throw new Xep65Error('protocol', `${session.peer} used a candidate we did not offer (cid ${theirs.cid})`);
  }
  const nominated = nominate(session.role, mine?.candidate, theirChoice);
  if (!nominated) throw new NoStreamhostError('no SOCKS5 candidate worked on either side', []);
  if (nominated === mine?.candidate) return { bytestream: await useTheirs(n, mine), candidate: nominated, ours: false };
  mine?.bytestream.stream.destroy();
  return { bytestream: await useOurs(n, nominated), candidate: nominated, ours: true };
}

/** §2.4: the used candidate of higher priority; on a tie, the one the initiator used. */
export function nominate(role: 'initiator' | 'responder', ourChoice: S5bCandidate | undefined, theirChoice: S5bCandidate | undefined): S5bCandidate | undefined {
  if (!ourChoice || !theirChoice) return ourChoice ?? theirChoice;
  if (ourChoice.priority !== theirChoice.priority) return ourChoice.priority > theirChoice.priority ? ourChoice : theirChoice;
  return role === 'initiator' ? ourChoice : theirChoice;
}

async function connectTheirs(n: S5bNegotiation): Promise<{ candidate: S5bCandidate; bytestream: Bytestream }> {
  const peer = n.session.peer;
  const me = n.session.role === 'initiator' ? n.session.initiator : n.session.responder;
  const ordered = [...n.theirs.candidates].sort((a, b) => b.priority - a.priority).slice(0, MAX_CANDIDATES);
  const asCandidates: Array<Candidate & { s5b: S5bCandidate }> = ordered.map((c) => ({ jid: c.jid, host: c.host, port: c.port, cid: c.cid, priority: c.priority, s5b: c }));
  const sid = n.session.sid;
  const { candidate, bytestream } = await connectToCandidates(asCandidates, {
    dstAddr: n.theirs.dstAddr ?? dstAddr(n.ours.tsid, peer, me),
    dial: n.dial,
    staggerMs: n.staggerMs,
    perHostTimeoutMs: n.perHostTimeoutMs,
    budgetMs: n.budgetMs,
    signal: n.signal,
    onTried: (c) => n.onEvent({ kind: 'streamhost-tried', sid, streamhost: c }),
    onFailed: (c, error) => n.onEvent({ kind: 'streamhost-failed', sid, streamhost: c, error }),
  });
  return { candidate: candidate.s5b, bytestream };
}

/** The peer's candidate, which we connected to: a proxy one is usable once the peer says <activated/>. */
async function useTheirs(n: S5bNegotiation, mine: { candidate: S5bCandidate; bytestream: Bytestream }): Promise<Bytestream> {
  n.ours.own.release();
  if (mine.candidate.type !== 'proxy') return mine.bytestream;
  try {
    const j = await n.session.next((x) => noticeOf(x, n.ours.tsid, ['activated', 'proxy-error']) !== undefined, n.signal);
    const notice = noticeOf(j, n.ours.tsid, ['activated', 'proxy-error'])!;
    if (notice.kind === 'proxy-error') throw new Xep65Error('no-streamhost', `${n.session.peer} could not activate its proxy ${mine.candidate.jid} (proxy-error)`);
    return mine.bytestream;
  } catch (err) {
    mine.bytestream.stream.destroy();
    throw err;
  }
}

/** Our candidate, which the peer connected to: our streamhost's connection, or our proxy dialed and activated. */
async function useOurs(n: S5bNegotiation, candidate: S5bCandidate): Promise<Bytestream> {
  try {
    const bytestream = await n.ours.own.use({ jid: candidate.jid, host: candidate.host, port: candidate.port }, n.ours.tsid);
    if (candidate.type === 'proxy') await sendNotice(n, { kind: 'activated', cid: candidate.cid });
    return bytestream;
  } catch (err) {
    if (candidate.type === 'proxy') await sendNotice(n, { kind: 'proxy-error' }).catch(() => undefined);
    throw err;
  } finally {
    n.ours.own.release();
  }
}

function sendNotice(n: S5bNegotiation, notice: S5bPayload): Promise<void> {
  const transport = buildS5bTransport({ sid: n.ours.tsid, ...notice });
  return n.session.send('transport-info', { contents: [{ ...n.content, transport }] }, n.signal);
}

type NoticeKind = 'candidate-used' | 'candidate-error' | 'activated' | 'proxy-error';

/** The S5B notice of kind in `kinds` a transport-info carries for transport `tsid`, if any. */
function noticeOf(j: Jingle, tsid: string, kinds: readonly NoticeKind[]): Exclude<S5bPayload, { kind: 'candidates' }> | undefined {
  if (j.action !== 'transport-info') return undefined;
  for (const content of j.contents) {
    if (content.transport?.getNS() !== NS_JINGLE_S5B) continue;
    const parsed = parseS5bTransport(content.transport);
    if (!parsed.ok || parsed.value.sid !== tsid || parsed.value.kind === 'candidates') continue;
    const { kind } = parsed.value;
    if ((kinds as readonly string[]).includes(kind)) return parsed.value as Exclude<S5bPayload, { kind: 'candidates' }>;
  }
  return undefined;
}
