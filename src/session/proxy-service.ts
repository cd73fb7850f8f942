// Our proxy's XMPP side (XEP-0065): disco#info with the proxy/bytestreams identity (§4 "Discovering
// Proxies", Example 5/6), the network-address query (§4, Example 7/8) and <forbidden/> for
// requesters the policy refuses (§4, Example 9), and activation (§6.3.5 "Activation of
// Bytestream"): the requester's full JID (the stanza's from), sid and target give
// DST.ADDR = SHA-1(sid + requester + target), which must name two connected parties.
import type { Element } from '@xmpp/xml';
import { parseActivate, buildStreamhost, type Streamhost } from '../stanzas/bytestreams.js';
import { buildError, type ErrorType } from '../stanzas/stanza-error.js';
import { parseJid } from '../stanzas/jid.js';
import { NS_BYTESTREAMS, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../stanzas/ns.js';
import { dstAddr } from '../socks5/dst-addr.js';
import xml from '@xmpp/xml';
import { serveDiscoInfo } from './disco-responder.js';
import type { ActivationOutcome, IqAnswer, ProxyRelayPort, XmppServicePort } from './ports.js';
import type { ProxyEventSink } from './proxy-events.js';

export interface ProxyServiceOptions {
  /** Where requesters and targets reach our SOCKS5 side (the network address of §4, Example 8). */
  host: string;
  port: number;
  isAllowed(requester: string): boolean;
  relay: ProxyRelayPort;
  onEvent: ProxyEventSink;
  /** Counted refusals, for the counters line. */
  onRefusal?(kind: 'forbidden' | 'activation'): void;
}

export const PROXY_IDENTITY = { category: 'proxy', type: 'bytestreams', name: 'xep65 SOCKS5 Bytestreams proxy' };

/**
 * §6.3.5 lists item-not-found, not-allowed, not-authorized and internal-server-error. DST.ADDR is a
 * one-way hash, so "the from address does not match" and "the hashes do not match" look the same
 * to a proxy: no connection carries the hash. We answer item-not-found, as Prosody and ejabberd do.
 * A second activation is conflict and a full proxy resource-constraint, as ejabberd answers.
 */
const REFUSALS: Record<Exclude<ActivationOutcome, 'activated'>, [ErrorType, string, string]> = {
  unknown: ['cancel', 'item-not-found', 'no connection with this DST.ADDR (sid + requester + target) is waiting'],
  'one-party': ['cancel', 'not-allowed', 'only one party is connected to the proxy'],
  'already-active': ['cancel', 'conflict', 'this bytestream is already activated'],
  limit: ['wait', 'resource-constraint', 'too many active bytestreams'],
};

export function serveProxy(xmpp: XmppServicePort, opts: ProxyServiceOptions): void {
  const streamhost: Streamhost = { jid: xmpp.jid, host: opts.host, port: opts.port };
  const forbidden = (requester: string, request: 'network-address' | 'activate'): Element => {
    opts.onEvent({ kind: 'forbidden', requester, request });
    opts.onRefusal?.('forbidden');
    return buildError('auth', 'forbidden', { text: 'this proxy does not serve you' });
  };

  serveDiscoInfo(xmpp, [NS_DISCO_INFO, NS_BYTESTREAMS], PROXY_IDENTITY);
  xmpp.handle('get', NS_DISCO_ITEMS, 'query', ({ element }) =>
    element.attrs.node ? buildError('cancel', 'item-not-found') : xml('query', { xmlns: NS_DISCO_ITEMS }),
  );
  xmpp.handle('get', NS_BYTESTREAMS, 'query', ({ from }) =>
    opts.isAllowed(from) ? xml('query', { xmlns: NS_BYTESTREAMS }, buildStreamhost(streamhost)) : forbidden(from, 'network-address'),
  );
  xmpp.handle('set', NS_BYTESTREAMS, 'query', ({ from, element }): IqAnswer => {
    if (!opts.isAllowed(from)) return forbidden(from, 'activate');
    const request = parseActivate(element);
    if (!request) return buildError('modify', 'bad-request', { text: 'expected <activate/> with the target JID and a sid' });
    if (!isJid(request.target)) return buildError('modify', 'jid-malformed', { text: `'${request.target}' is not a JID` });
    const activation = { dstAddr: dstAddr(request.sid, from, request.target), sid: request.sid, requester: from, target: request.target };
    const outcome = opts.relay.activate(activation);
    if (outcome === 'activated') return true;
    const [type, condition, text] = REFUSALS[outcome];
    opts.onEvent({ kind: 'activation-refused', sid: request.sid, requester: from, target: request.target, condition });
    opts.onRefusal?.('activation');
    return buildError(type, condition, { text });
  });
}

function isJid(text: string): boolean {
  try {
    parseJid(text);
    return true;
  } catch {
    return false;
  }
}
