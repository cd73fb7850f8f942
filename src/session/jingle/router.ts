// The one handler for Jingle IQs (XEP-0166 §6, §7.2): every <jingle/> is parsed, matched to its
// session by sid and sender, checked against the session's state, and acknowledged before the
// session sees it. A malformed one is <bad-request/>, one for no session of ours
// <unknown-session/>, one the state does not allow <out-of-order/>; session-initiate goes to the
// responder front-end, which answers it (ack, then session-accept or session-terminate).
import { buildJingleError, parseJingle, type Jingle } from '../../stanzas/jingle.js';
import { parseFileTransferInfo } from '../../stanzas/jingle-ft.js';
import { buildError } from '../../stanzas/stanza-error.js';
import { NS_JINGLE } from '../../stanzas/ns.js';
import type { IqAnswer, XmppPort } from '../ports.js';
import type { JingleSession } from './session.js';

/** A session-initiate from `from`: the answer to its IQ (true acknowledges it). */
export type InitiateHandler = (from: string, jingle: Jingle) => IqAnswer;

export interface JingleRouter {
  /** Routes the peer's actions for `session` to it until it ends. */
  add(session: JingleSession): void;
  has(peer: string, sid: string): boolean;
  /** Where session-initiate goes (the receiving side); without one it is refused. */
  onInitiate(handler: InitiateHandler): void;
}

export function serveJingle(xmpp: XmppPort): JingleRouter {
  const sessions = new Map<string, JingleSession>();
  const keyOf = (peer: string, sid: string) => `${peer}\n${sid}`;
  let initiate: InitiateHandler | undefined;

  xmpp.handle('set', NS_JINGLE, 'jingle', ({ from, element }): IqAnswer => {
    const parsed = parseJingle(element);
    if (!parsed.ok) return buildError('modify', 'bad-request', { text: parsed.message });
    const jingle = parsed.value;
    const session = sessions.get(keyOf(from, jingle.sid));
    if (jingle.action === 'session-initiate') {
      if (session) return buildJingleError('out-of-order', 'a session with this sid exists');
      return initiate ? initiate(from, jingle) : buildError('cancel', 'service-unavailable');
    }
    if (!session) return buildJingleError('unknown-session');
    if (!session.allows(jingle.action)) return buildJingleError('out-of-order', `${jingle.action} is not expected now`);
    const info = jingle.action === 'session-info' ? jingle.payloads.map(parseFileTransferInfo).find((p) => !p.ok) : undefined;
    if (info && !info.ok) return info.reason === 'unsupported-info' ? buildJingleError('unsupported-info') : buildError('modify', 'bad-request', { text: info.message });
    // Delivered after the acknowledgement went out, in arrival order.
    setImmediate(() => session.deliver(jingle));
    return true;
  });

  return {
    add(session) {
      const key = keyOf(session.peer, session.sid);
      sessions.set(key, session);
      session.onEnd(() => setImmediate(() => sessions.get(key) === session && sessions.delete(key)));
    },
    has: (peer, sid) => sessions.has(keyOf(peer, sid)),
    onInitiate(handler) {
      initiate = handler;
    },
  };
}
