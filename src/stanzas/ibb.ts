// In-Band Bytestreams (XEP-0047): <open/> (§2.1), <data/> (§2.2) in IQ stanzas, <close/> (§2.3).
// Data is strict base64 (§7 Security Considerations): anything outside the alphabet is rejected.
import xml, { type Element } from '@xmpp/xml';
import { NS_IBB } from './ns.js';

/** XEP-0047 §2.1: block-size MUST NOT be greater than 65535. */
export const MAX_BLOCK_SIZE = 65535;
/** Plain decimal digits only: Number() would also take '1e3', '0x10', ' 42 ' and '' (as 0). */
function parseDecimal(value: unknown): number {
  return typeof value === 'string' && /^[0-9]{1,6}$/.test(value) ? Number(value) : NaN;
}
/**
 * The alphabet with at most two '=' at the end; with a length that is a multiple of 4 (checked in
 * parseIbbData), exactly the strict base64 of §7. No repeated group: /^(?:[A-Za-z0-9+/]{4})*.../
 * ran out of backtracking stack (RangeError) on text past ~4.5 million characters.
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface IbbOpen {
  sid: string;
  blockSize: number;
  stanza: 'iq' | 'message';
}

export function buildIbbOpen(sid: string, blockSize: number): Element {
  return xml('open', { xmlns: NS_IBB, sid, 'block-size': String(blockSize), stanza: 'iq' });
}

export function parseIbbOpen(el: Element): IbbOpen | undefined {
  const sid = el.attrs.sid;
  const blockSize = parseDecimal(el.attrs['block-size']);
  const stanza = el.attrs.stanza === 'message' ? 'message' : 'iq';
  if (typeof sid !== 'string' || sid === '' || !Number.isInteger(blockSize) || blockSize < 1 || blockSize > MAX_BLOCK_SIZE) return undefined;
  return { sid, blockSize, stanza };
}

export function buildIbbData(sid: string, seq: number, data: Buffer): Element {
  return xml('data', { xmlns: NS_IBB, sid, seq: String(seq) }, data.toString('base64'));
}

export function parseIbbData(el: Element): { sid: string; seq: number; data: Buffer } | undefined {
  const sid = el.attrs.sid;
  const seq = parseDecimal(el.attrs.seq);
  const text = el.getText().replace(/\s+/g, '');
  if (typeof sid !== 'string' || sid === '' || !Number.isInteger(seq) || seq < 0 || seq > 0xffff || text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  return { sid, seq, data: Buffer.from(text, 'base64') };
}

export function buildIbbClose(sid: string): Element {
  return xml('close', { xmlns: NS_IBB, sid });
}

export function parseIbbClose(el: Element): string | undefined {
  const sid = el.attrs.sid;
  return typeof sid === 'string' && sid !== '' ? sid : undefined;
}

/** The next 16-bit sequence number (§2.2: after 65535 comes 0). */
export function nextSeq(seq: number): number {
  return (seq + 1) & 0xffff;
}
