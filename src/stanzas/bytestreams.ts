// SOCKS5 Bytestreams stanzas (XEP-0065): network-address query (§4 "Discovering Proxies"),
// streamhost offer (§5.3.1/§6.3.1), streamhost-used (§5.3.3/§6.3.3), activation (§6.3.5).
import xml, { type Element } from '@xmpp/xml';
import { NS_BYTESTREAMS } from './ns.js';

/** XEP-0065 schema default for a streamhost without 'port'. */
export const DEFAULT_STREAMHOST_PORT = 1080;

export interface Streamhost {
  /** Kept verbatim: ejabberd's proxy JIDs carry a resource. */
  jid: string;
  host: string;
  port: number;
}

export interface StreamhostOffer {
  sid: string;
  mode: 'tcp' | 'udp';
  streamhosts: Streamhost[];
  /** The requester's DST.ADDR, when it sent one (§7, MUC use). */
  dstAddr?: string;
}

export function buildNetworkAddressQuery(): Element {
  return xml('query', { xmlns: NS_BYTESTREAMS });
}

export function buildStreamhostOffer(offer: StreamhostOffer): Element {
  return xml(
    'query',
    { xmlns: NS_BYTESTREAMS, sid: offer.sid, mode: offer.mode, ...(offer.dstAddr ? { dstaddr: offer.dstAddr } : {}) },
    ...offer.streamhosts.map((s) => buildStreamhost(s)),
  );
}

export function buildStreamhost(s: Streamhost): Element {
  return xml('streamhost', { jid: s.jid, host: s.host, port: String(s.port) });
}

/** Streamhosts of a query, in document order; entries without jid or host are skipped. */
export function parseStreamhosts(query: Element): Streamhost[] {
  const hosts: Streamhost[] = [];
  for (const el of query.getChildren('streamhost')) {
    const { jid, host } = el.attrs;
    if (typeof jid !== 'string' || jid === '' || typeof host !== 'string' || host === '') continue;
    const port = parsePort(el.attrs.port);
    if (port === undefined) continue;
    hosts.push({ jid, host, port });
  }
  return hosts;
}

export type StreamhostOfferParse = { ok: true; offer: StreamhostOffer } | { ok: false; message: string };

export function parseStreamhostOffer(query: Element): StreamhostOfferParse {
  const sid = query.attrs.sid;
  if (typeof sid !== 'string' || sid === '') return { ok: false, message: 'bytestreams query has no sid' };
  const mode = query.attrs.mode === undefined || query.attrs.mode === 'tcp' ? 'tcp' : query.attrs.mode === 'udp' ? 'udp' : undefined;
  if (!mode) return { ok: false, message: `unknown mode '${String(query.attrs.mode)}'` };
  const offer: StreamhostOffer = { sid, mode, streamhosts: parseStreamhosts(query) };
  if (typeof query.attrs.dstaddr === 'string' && /^[0-9a-f]{40}$/i.test(query.attrs.dstaddr)) offer.dstAddr = query.attrs.dstaddr.toLowerCase();
  return { ok: true, offer };
}

export function buildStreamhostUsed(sid: string, jid: string): Element {
  return xml('query', { xmlns: NS_BYTESTREAMS, sid }, xml('streamhost-used', { jid }));
}

export function parseStreamhostUsed(query: Element | undefined): string | undefined {
  const jid = query?.getChild('streamhost-used')?.attrs.jid;
  return typeof jid === 'string' && jid !== '' ? jid : undefined;
}

export function buildActivate(sid: string, targetJid: string): Element {
  return xml('query', { xmlns: NS_BYTESTREAMS, sid }, xml('activate', {}, targetJid));
}

export function parseActivate(query: Element): { sid: string; target: string } | undefined {
  const sid = query.attrs.sid;
  const target = query.getChildText('activate')?.trim();
  if (typeof sid !== 'string' || sid === '' || !target) return undefined;
  return { sid, target };
}

function parsePort(value: unknown): number | undefined {
  if (value === undefined || value === '') return DEFAULT_STREAMHOST_PORT;
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}
