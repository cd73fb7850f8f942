// Which resource of a bare-JID recipient a send goes to (session/presence/choose-resource.ts), with
// this program's waits for presence from another server and a feature cache for the run; the
// same choice for `send` and for `discover`, so discover says what send will do.
import { chooseResource, type ResourceChoice } from '../session/presence/choose-resource.js';
import type { ContactWatch } from '../session/presence/contact-resources.js';
import { createFeatureCache } from '../session/presence/feature-cache.js';
import type { RequestOptions, XmppPort } from '../session/ports.js';
import { chooseProtocol, type ProtocolRequest } from './protocol-choice.js';
import { TIMEOUTS } from './timeouts.js';

export function chooseRecipient(xmpp: XmppPort, bare: string, watch: ContactWatch, protocol: ProtocolRequest, request: RequestOptions): Promise<ResourceChoice> {
  return chooseResource({
    xmpp,
    bare,
    watch,
    features: createFeatureCache(xmpp, request),
    protocolFor: (jid, features) => chooseProtocol(jid, features, protocol),
    remoteWaitMs: TIMEOUTS.remotePresenceMs,
    remoteGraceMs: TIMEOUTS.remotePresenceGraceMs,
    request,
  });
}
