// Jingle SOCKS5 Bytestreams transport (XEP-0260, urn:xmpp:jingle:transports:s5b:1): the
// <transport sid mode? dstaddr?/> with its candidates (§2.2 "Exchanging Candidates"), the
// transport-info payloads <candidate-used/> and <candidate-error/> (§2.3), <activated/> and
// <proxy-error/> (§2.4), and the priority formula of §2.2. The schema (§9) makes the children a
// choice: candidates, or exactly one of the four notices. DST.ADDR is not computed here: it uses
// the transport sid, in an order that depends on who offered the candidate (§2.2; gajim#8703).
import xml, { type Element } from '@xmpp/xml';
import { Xep65Error } from '../errors.js';
import { DEFAULT_STREAMHOST_PORT } from './bytestreams.js';
import { NS_JINGLE_S5B } from './ns.js';
import { accept, attr, oneOf, parseDecimal, quote, refuse, type Parsed } from './wire-values.js';

export const CANDIDATE_TYPES = ['direct', 'assisted', 'tunnel', 'proxy'] as const;
export type CandidateType = (typeof CANDIDATE_TYPES)[number];
/** §2.2 "Defined Types": the suggested type preferences. */
export const TYPE_PREFERENCE: Readonly<Record<CandidateType, number>> = { direct: 126, assisted: 120, tunnel: 110, proxy: 10 };
/**
 * The formula gives at most 127·2^16 + 65535, but it is only a SHOULD and §2.2 mixes in ICE
 * candidates (XEP-0176), whose priorities go to 2^31 − 1: accept up to that, refuse larger.
 */
export const MAX_PRIORITY = 2 ** 31 - 1;

export interface S5bCandidate {
  cid: string;
  host: string;
  /** Kept verbatim: ejabberd's proxy JIDs carry a resource. */
  jid: string;
  port: number;
  priority: number;
  type: CandidateType;
}

export type S5bPayload =
  | { kind: 'candidates'; candidates: S5bCandidate[] }
  | { kind: 'candidate-used'; cid: string }
  | { kind: 'candidate-error' }
  | { kind: 'activated'; cid: string }
  | { kind: 'proxy-error' };

export type S5bTransport = {
  /** The transport's own stream id, which goes into DST.ADDR (not the Jingle session id). */
  sid: string;
  /** Absent means tcp; the responder MUST NOT send it (§2.2). */
  mode?: 'tcp' | 'udp';
  /** Lowercase hex SHA-1, when the sender said which DST.ADDR it computed for its proxy candidates. */
  dstAddr?: string;
} & S5bPayload;

const NOTICES = ['candidate-used', 'candidate-error', 'activated', 'proxy-error'] as const;

/** §2.2: priority = 2^16 × type preference + local preference (0-65535). */
export function candidatePriority(type: CandidateType, localPreference = 0): number {
  if (!Number.isInteger(localPreference) || localPreference < 0 || localPreference > 0xffff) {
    throw new Xep65Error('internal', `local preference must be an integer 0-65535, got ${localPreference}`);
  }
  return TYPE_PREFERENCE[type] * 0x10000 + localPreference;
}

export function buildS5bTransport(t: S5bTransport): Element {
  const attrs = { xmlns: NS_JINGLE_S5B, ...(t.dstAddr ? { dstaddr: t.dstAddr } : {}), ...(t.mode ? { mode: t.mode } : {}), sid: t.sid };
  return xml('transport', attrs, ...buildPayload(t));
}

function buildPayload(p: S5bPayload): Element[] {
  switch (p.kind) {
    case 'candidates':
      return p.candidates.map(buildS5bCandidate);
    case 'candidate-used':
    case 'activated':
      return [xml(p.kind, { cid: p.cid })];
    default:
      return [xml(p.kind)];
  }
}

/** Every attribute, port and type included (some peers drop candidates without a port). */
export function buildS5bCandidate(c: S5bCandidate): Element {
  return xml('candidate', { cid: c.cid, host: c.host, jid: c.jid, port: String(c.port), priority: String(c.priority), type: c.type });
}

/**
 * A transport from session-initiate, session-accept, transport-replace or transport-info. Unusable
 * candidates are skipped, as are repeated cids (a candidate-used naming one would be ambiguous).
 */
export function parseS5bTransport(el: Element): Parsed<S5bTransport, 'unsupported-transport' | 'bad-request'> {
  if (el.getName() !== 'transport' || el.getNS() !== NS_JINGLE_S5B) return refuse('unsupported-transport', `not an S5B transport: ${quote(el.getNS() ?? '')}`);
  const sid = attr(el, 'sid');
  if (!sid) return refuse('bad-request', 'S5B transport has no sid');
  const mode = el.attrs.mode === undefined ? undefined : oneOf(el.attrs.mode, ['tcp', 'udp'] as const);
  if (el.attrs.mode !== undefined && !mode) return refuse('bad-request', `unknown S5B mode ${quote(el.attrs.mode)}`);
  const header: { sid: string; mode?: 'tcp' | 'udp'; dstAddr?: string } = { sid };
  if (mode) header.mode = mode;
  const dstAddr = attr(el, 'dstaddr');
  if (dstAddr && /^[0-9a-fA-F]{40}$/.test(dstAddr)) header.dstAddr = dstAddr.toLowerCase();
  const payload = parsePayload(el);
  return payload.ok ? accept({ ...header, ...payload.value }) : payload;
}

function parsePayload(el: Element): Parsed<S5bPayload> {
  const notices = el.getChildElements().filter((c) => c.getNS() === NS_JINGLE_S5B && oneOf(c.getName(), NOTICES));
  const candidateEls = el.getChildren('candidate', NS_JINGLE_S5B);
  if (notices.length + (candidateEls.length > 0 ? 1 : 0) > 1) return refuse('bad-request', 'S5B transport mixes candidates and notices, or carries several notices');
  const notice = notices[0];
  if (!notice) return accept({ kind: 'candidates', candidates: parseCandidates(candidateEls) });
  const kind = notice.getName() as (typeof NOTICES)[number];
  if (kind === 'candidate-error' || kind === 'proxy-error') return accept({ kind });
  const cid = attr(notice, 'cid');
  return cid ? accept({ kind, cid }) : refuse('bad-request', `<${kind}/> has no cid`);
}

function parseCandidates(els: readonly Element[]): S5bCandidate[] {
  const candidates: S5bCandidate[] = [];
  const cids = new Set<string>();
  for (const el of els) {
    const c = parseS5bCandidate(el);
    if (!c.ok || cids.has(c.value.cid)) continue;
    cids.add(c.value.cid);
    candidates.push(c.value);
  }
  return candidates;
}

/** One <candidate/> (§9 schema): cid, host, jid and priority required; port defaults to 1080 (XEP-0065), type to direct. */
export function parseS5bCandidate(el: Element): Parsed<S5bCandidate> {
  const [cid, host, jid] = [attr(el, 'cid'), attr(el, 'host'), attr(el, 'jid')];
  if (!cid || !host || !jid) return refuse('bad-request', 'candidate lacks cid, host or jid');
  const port = el.attrs.port === undefined ? DEFAULT_STREAMHOST_PORT : parseDecimal(el.attrs.port, 65535);
  if (!port) return refuse('bad-request', `candidate port ${quote(el.attrs.port)} is not 1-65535`);
  const priority = parseDecimal(el.attrs.priority, MAX_PRIORITY);
  if (priority === undefined) return refuse('bad-request', `candidate priority ${quote(el.attrs.priority ?? '')} is not a plain decimal up to 2^31 - 1`);
  const type = el.attrs.type === undefined ? 'direct' : oneOf(el.attrs.type, CANDIDATE_TYPES);
  if (!type) return refuse('bad-request', `unknown candidate type ${quote(el.attrs.type)}`);
  return accept({ cid, host, jid, port, priority, type });
}
