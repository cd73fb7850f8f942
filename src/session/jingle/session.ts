// One Jingle session (XEP-0166 §6): its states (pending → active → ended), the actions the peer
// may send in each (anything else is answered <out-of-order/>, §6.3), and one queue of the
// peer's actions that the front-end reads in order (after each was acknowledged: "every
// Jingle IQ acknowledged first", §6.3). A session-terminate from the peer at any point ends
// every wait with an error that says why (§6.7).
import { Xep65Error } from '../../errors.js';
import { IqError } from '../../stanzas/iq-error.js';
import { buildJingle, type Jingle, type JingleAction, type JingleContent, type JingleReason } from '../../stanzas/jingle.js';
import type { Element } from '@xmpp/xml';
import type { XmppPort } from '../ports.js';
import { terminationError } from './reasons.js';

export type Role = 'initiator' | 'responder';
export type SessionState = 'pending' | 'active' | 'ended';

export interface SessionInit {
  xmpp: XmppPort;
  /** The other party's full JID. */
  peer: string;
  sid: string;
  role: Role;
  /** Bound on every IQ we send in this session. */
  iqTimeoutMs: number;
}

/** What the peer may send while we are in `state` (session-info and transport actions any time before the end). */
const ALLOWED: Record<Role, Record<Exclude<SessionState, 'ended'>, readonly JingleAction[]>> = {
  initiator: {
    pending: ['session-accept', 'session-terminate', 'session-info', 'transport-info'],
    active: ['session-terminate', 'session-info', 'transport-info', 'transport-replace', 'transport-accept', 'transport-reject'],
  },
  responder: {
    pending: ['session-terminate', 'session-info', 'transport-info', 'transport-replace'],
    active: ['session-terminate', 'session-info', 'transport-info', 'transport-replace', 'transport-accept', 'transport-reject'],
  },
};

interface Waiter {
  wanted: (j: Jingle) => boolean;
  resolve: (j: Jingle) => void;
  reject: (e: Error) => void;
}

export class JingleSession {
  readonly peer: string;
  readonly sid: string;
  readonly role: Role;
  readonly initiator: string;
  readonly responder: string;
  private readonly xmpp: XmppPort;
  private readonly iqTimeoutMs: number;
  private state: SessionState = 'pending';
  private readonly inbox: Jingle[] = [];
  private waiters: Waiter[] = [];
  private ended?: Xep65Error;
  private peerEnded = false;
  private readonly endListeners: Array<(e: Xep65Error, reason?: JingleReason) => void> = [];

  constructor(init: SessionInit) {
    this.xmpp = init.xmpp;
    this.peer = init.peer;
    this.sid = init.sid;
    this.role = init.role;
    this.iqTimeoutMs = init.iqTimeoutMs;
    this.initiator = init.role === 'initiator' ? init.xmpp.jid : init.peer;
    this.responder = init.role === 'initiator' ? init.peer : init.xmpp.jid;
  }

  get current(): SessionState {
    return this.state;
  }

  /** Whether the peer may send `action` now (else the router answers out-of-order). */
  allows(action: JingleAction): boolean {
    return this.state !== 'ended' && ALLOWED[this.role][this.state].includes(action);
  }

  /** An acknowledged action from the peer, in the order it came. */
  deliver(jingle: Jingle): void {
    if (jingle.action === 'session-accept') this.state = 'active';
    if (jingle.action === 'session-terminate') {
      const reason = jingle.reason;
      const pending = this.state === 'pending';
      if (this.state !== 'ended') this.peerEnded = true;
      this.end(terminationError(this.peer, reason, pending), reason);
      return;
    }
    const index = this.waiters.findIndex((w) => w.wanted(jingle));
    if (index === -1) return void this.inbox.push(jingle);
    const [waiter] = this.waiters.splice(index, 1);
    waiter!.resolve(jingle);
  }

  /** The peer's next action that `wanted` takes (queued ones first); rejects when the session ends or `signal` aborts. */
  next(wanted: (j: Jingle) => boolean, signal: AbortSignal): Promise<Jingle> {
    const queued = this.inbox.findIndex(wanted);
    if (queued !== -1) return Promise.resolve(this.inbox.splice(queued, 1)[0]!);
    if (this.ended) return Promise.reject(this.ended);
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        wanted,
        resolve: (j) => (signal.removeEventListener('abort', onAbort), resolve(j)),
        reject: (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Sends an action of ours as an IQ set and waits for its acknowledgement. */
  async send(action: JingleAction, body: { contents?: JingleContent[]; payloads?: Element[]; reason?: JingleReason }, signal?: AbortSignal): Promise<void> {
    if (this.ended && action !== 'session-terminate') throw this.ended;
    const jingle: Jingle = { action, sid: this.sid, contents: body.contents ?? [], payloads: body.payloads ?? [], ...(body.reason ? { reason: body.reason } : {}) };
    if (action === 'session-initiate') jingle.initiator = this.initiator;
    if (action === 'session-accept') {
      jingle.responder = this.responder;
      this.state = 'active';
    }
    try {
      await this.xmpp.set(this.peer, buildJingle(jingle), { timeoutMs: this.iqTimeoutMs, ...(signal ? { signal } : {}) });
    } catch (err) {
      throw mapSendError(err, this.peer, action);
    }
  }

  /** Ends the session with `reason`, telling the peer (best effort: it may be gone). Once only. */
  async terminate(reason: JingleReason): Promise<void> {
    if (this.state === 'ended') return;
    this.end(new Xep65Error('aborted', `session ended (${reason.condition})`));
    await this.send('session-terminate', { reason }).catch(() => undefined);
  }

  /** Called once when the session ends, by either side; `reason` when the peer ended it. */
  onEnd(listener: (error: Xep65Error, reason?: JingleReason) => void): void {
    if (this.ended) listener(this.ended);
    else this.endListeners.push(listener);
  }

  get isEnded(): boolean {
    return this.state === 'ended';
  }

  /** Why the peer ended the session, when it was the peer that did. */
  get peerEnd(): Xep65Error | undefined {
    return this.peerEnded ? this.ended : undefined;
  }

  private end(error: Xep65Error, reason?: JingleReason): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.ended = error;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w.reject(error));
    this.endListeners.splice(0).forEach((l) => l(error, reason));
  }
}

function abortError(signal: AbortSignal): Xep65Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Xep65Error) return reason;
  if (reason instanceof DOMException && reason.name === 'TimeoutError') return new Xep65Error('timeout', 'timed out', { cause: reason });
  return new Xep65Error('aborted', 'cancelled');
}

function mapSendError(err: unknown, peer: string, action: JingleAction): unknown {
  if (!(err instanceof IqError)) return err;
  const { condition } = err.info;
  if (condition === 'item-not-found') return new Xep65Error('protocol', `${peer} does not know our Jingle session (${action} refused: unknown-session)`, { cause: err });
  if (condition === 'service-unavailable' || condition === 'feature-not-implemented') {
    return new Xep65Error('unsupported', `${peer} does not support Jingle (${action} refused: ${condition})`, { cause: err });
  }
  return new Xep65Error('protocol', `${peer} refused our ${action}: ${condition}${err.info.text ? ` (${err.info.text})` : ''}`, { cause: err });
}
