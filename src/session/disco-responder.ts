// Answers disco#info (XEP-0030 §3.1) about ourselves, xmpp.js having no plugin for it: on our
// JID with no node, and on `node#ver` of the caps we publish (XEP-0115 §6.2), with the same info.
import { buildCaps, capsVer, XEP65_CAPS_NODE } from '../stanzas/caps.js';
import { buildDiscoInfo, type DiscoInfo, type Identity } from '../stanzas/disco.js';
import { buildError } from '../stanzas/stanza-error.js';
import { NS_BYTESTREAMS, NS_CAPS, NS_DISCO_INFO, NS_SI, NS_SI_FILE } from '../stanzas/ns.js';
import type { Element } from '@xmpp/xml';
import type { XmppServicePort } from './ports.js';

/** What we support: SI with the file-transfer profile over SOCKS5 bytestreams (XEP-0096 §4). */
export const FILE_TRANSFER_FEATURES = [NS_DISCO_INFO, NS_SI, NS_SI_FILE, NS_BYTESTREAMS];

/** A command-line client (XEP-0030 registry: client/console). */
export const CLIENT_IDENTITY: Identity = { category: 'client', type: 'console', name: 'xep65' };

/** Answers disco#info on our JID (no node) with `identity` and `features`; any node is item-not-found. */
export function serveDiscoInfo(xmpp: Pick<XmppServicePort, 'handle'>, features: readonly string[], identity = CLIENT_IDENTITY): void {
  serve(xmpp, { identities: [identity], features: [...features] }, undefined);
}

/**
 * As serveDiscoInfo, for a client that publishes caps: the features gain XEP-0115's, the same
 * info answers `node#ver`, and the returned <c/> goes into our presence.
 */
export function serveClientInfo(xmpp: Pick<XmppServicePort, 'handle'>, features: readonly string[]): Element {
  const info: DiscoInfo = { identities: [CLIENT_IDENTITY], features: [...new Set([...features, NS_CAPS])] };
  serve(xmpp, info, `${XEP65_CAPS_NODE}#${capsVer(info)}`);
  return buildCaps(info);
}

function serve(xmpp: Pick<XmppServicePort, 'handle'>, info: DiscoInfo, capsNode: string | undefined): void {
  xmpp.handle('get', NS_DISCO_INFO, 'query', ({ element }) => {
    const node = element.attrs.node as string | undefined;
    if (!node) return buildDiscoInfo(info);
    return node === capsNode ? buildDiscoInfo(info, node) : buildError('cancel', 'item-not-found');
  });
}
