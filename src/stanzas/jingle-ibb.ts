// Jingle In-Band Bytestreams transport (XEP-0261, urn:xmpp:jingle:transports:ibb:1): the
// <transport block-size sid stanza?/> of session-initiate, session-accept (a smaller block-size,
// §2.2), transport-replace / transport-accept (XEP-0260 §3) and transport-info (§2.4). The data
// itself then flows as XEP-0047 <open/>, <data/>, <close/> (ibb.ts).
import xml, { type Element } from '@xmpp/xml';
import { MAX_BLOCK_SIZE } from './ibb.js';
import { NS_JINGLE_IBB } from './ns.js';
import { accept, attr, oneOf, parseDecimal, quote, refuse, type Parsed } from './wire-values.js';

export interface IbbTransport {
  sid: string;
  /**
   * 1-65535. The XEP-0261 schema types it xs:short (at most 32767), but the bytestream is XEP-0047's,
   * whose §2.1 limit is 65535: we accept up to that and never offer more than the caller asks.
   */
  blockSize: number;
  /** §2.2: default 'iq'. */
  stanza: 'iq' | 'message';
}

/** 'stanza' is written only when it is 'message', as in the spec's examples. */
export function buildIbbTransport(t: IbbTransport): Element {
  const attrs = { xmlns: NS_JINGLE_IBB, 'block-size': String(t.blockSize), sid: t.sid, ...(t.stanza === 'message' ? { stanza: 'message' } : {}) };
  return xml('transport', attrs);
}

export function parseIbbTransport(el: Element): Parsed<IbbTransport, 'unsupported-transport' | 'bad-request'> {
  if (el.getName() !== 'transport' || el.getNS() !== NS_JINGLE_IBB) return refuse('unsupported-transport', `not an IBB transport: ${quote(el.getNS() ?? '')}`);
  const sid = attr(el, 'sid');
  if (!sid) return refuse('bad-request', 'IBB transport has no sid');
  const blockSize = parseDecimal(el.attrs['block-size'], MAX_BLOCK_SIZE);
  if (!blockSize) return refuse('bad-request', `IBB block-size ${quote(el.attrs['block-size'] ?? '')} is not 1-${MAX_BLOCK_SIZE}`);
  const stanza = el.attrs.stanza === undefined ? 'iq' : oneOf(el.attrs.stanza, ['iq', 'message'] as const);
  if (!stanza) return refuse('bad-request', `IBB stanza ${quote(el.attrs.stanza)} is not iq or message`);
  return accept({ sid, blockSize, stanza });
}
