// What the `send` use case hands to the protocol it chose (SI or Jingle): the logged-in session,
// the request, the file, our own streamhost and the proxies found, and the helpers every step races.
import type { XmppSession } from '../xmpp/connect.js';
import type { StreamhostListenerPort } from '../session/ports.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import type { FileInfo } from '../stanzas/si.js';
import type { SendRequest } from './send.js';

export interface SendContext {
  xmpp: XmppSession;
  req: SendRequest;
  file: FileInfo;
  listener?: StreamhostListenerPort;
  /** Our own streamhost's addresses (jid: ours), in order of preference. */
  direct: Streamhost[];
  proxies: Streamhost[];
  /** Rejects when the XMPP connection is lost. */
  lost: Promise<never>;
  phase: (name: string) => void;
}
