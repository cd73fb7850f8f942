// Answers disco#info (XEP-0030 §3.1) about ourselves; xmpp.js has no plugin for it.
import { buildDiscoInfo } from '../stanzas/disco.js';
import { buildError } from '../stanzas/stanza-error.js';
import { NS_BYTESTREAMS, NS_DISCO_INFO, NS_SI, NS_SI_FILE } from '../stanzas/ns.js';
import type { Identity } from '../stanzas/disco.js';
import type { XmppServicePort } from './ports.js';

/** What we support: SI with the file-transfer profile over SOCKS5 bytestreams (XEP-0096 §4). */
export const FILE_TRANSFER_FEATURES = [NS_DISCO_INFO, NS_SI, NS_SI_FILE, NS_BYTESTREAMS];

const CLIENT_IDENTITY: Identity = { category: 'client', type: 'pc', name: 'xep65' };

/** Answers disco#info on our JID (no node) with `identity` and `features`; any node is item-not-found. */
export function serveDiscoInfo(xmpp: Pick<XmppServicePort, 'handle'>, features: readonly string[], identity = CLIENT_IDENTITY): void {
  const info = { identities: [identity], features: [...features] };
  xmpp.handle('get', NS_DISCO_INFO, 'query', ({ element }) =>
    element.attrs.node ? buildError('cancel', 'item-not-found') : buildDiscoInfo(info),
  );
}
