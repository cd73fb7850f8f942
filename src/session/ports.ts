// The ports sessions talk through (ARCHITECTURE rule 4): an XMPP port, a SOCKS5 dialer and a
// streamhost listener. The xmpp/ and transport/ layers implement them; tests may fake them.
import type { Element } from '@xmpp/xml';
import type { Duplex } from 'node:stream';

export interface IqRequest {
  /** The sender's JID exactly as the server stamped it. */
  from: string;
  /** The payload: the IQ's one child element. */
  element: Element;
}

/** What an IQ handler answers: a child for the result, `true` for an empty result, or an <error/>. */
export type IqAnswer = Element | true;

export type IqHandler = (req: IqRequest) => Promise<IqAnswer> | IqAnswer;

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface XmppPort {
  /** Our full JID as bound by the server. */
  readonly jid: string;
  /** The domain of our account (where disco#items for proxies goes). */
  readonly domain: string;
  /**
   * Sends an IQ get/set to `to` with `payload` as its child; resolves with the result's child
   * (undefined for an empty result). An IQ error rejects with IqError.
   */
  get(to: string, payload: Element, opts?: RequestOptions): Promise<Element | undefined>;
  set(to: string, payload: Element, opts?: RequestOptions): Promise<Element | undefined>;
  /** Handles incoming IQ get/set whose child is `name` in `ns`. */
  handle(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): void;
  /**
   * Bulk data is about to flow in stanzas (IBB): writes are shaped for the server's reads
   * (xmpp/record-alignment.ts) until the returned function is called. Optional: fakes need none.
   */
  bulkWrites?(): () => void;
}

/** Presence (RFC 6121 §4): ours out, everybody's in. */
export interface PresencePort {
  /** Sends a <presence/> stanza as built (stanzas/presence.ts). */
  sendPresence(presence: Element): Promise<void>;
  /** Told every <presence/> that arrives; returns the function that stops it. */
  onPresence(listener: (presence: Element) => void): () => void;
}

/** Hands every byte from now on to `consume` (the chunk is valid only during the call); `done` resolves when the peer closes. */
export type ReadInto = (consume: (chunk: Buffer) => void) => { done: Promise<void>; stop(): void };

/**
 * A connected bytestream, whoever made it (SOCKS5 dialed or accepted, IBB): its stream and, when
 * the one who made it has one, a faster way to read it without copies. The capability is a field,
 * never looked up by the stream's identity: a wrapper around `stream` cannot silently lose it.
 */
export interface Bytestream {
  stream: Duplex;
  readInto?: ReadInto;
}

/** Dials a streamhost and completes the SOCKS5 handshake with `dstAddr`. */
export type Socks5Dialer = (opts: {
  host: string;
  port: number;
  dstAddr: string;
  timeoutMs: number;
  signal?: AbortSignal;
}) => Promise<Bytestream>;

/** Our own streamhost (XEP-0065 §5, the requester as streamhost). */
export interface StreamhostListenerPort {
  readonly port: number;
  /**
   * Registers an expected DST.ADDR; resolves with the connection (and its fast reader, when it
   * has one) once a client completed the SOCKS5 handshake with it. Only the first one is taken.
   */
  expect(dstAddr: string, signal?: AbortSignal): Promise<Bytestream>;
  close(): Promise<void>;
}

/** An XMPP entity that only answers (our proxy, as an XEP-0114 component). */
export interface XmppServicePort {
  /** The JID stanzas reach us at. */
  readonly jid: string;
  handle(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): void;
}

/** Who asked for an activation, for the relay's records (XEP-0065 §6.3.5). */
export interface ActivationRequest {
  dstAddr: string;
  sid: string;
  requester: string;
  target: string;
}

/**
 * What the relay did with an activation: 'activated'; 'unknown' (no connection with that DST.ADDR);
 * 'one-party' (only one connected); 'already-active'; 'limit' (too many active streams).
 */
export type ActivationOutcome = 'activated' | 'unknown' | 'one-party' | 'already-active' | 'limit';

/** The SOCKS5 side of our proxy: connections waiting, paired by DST.ADDR, and relayed once activated. */
export interface ProxyRelayPort {
  activate(request: ActivationRequest): ActivationOutcome;
}
