// The `send` request and result, and what the use case hands to the protocol it chose (SI or Jingle): the logged-in session,
// the request, the file, our own streamhost and the proxies found, and the helpers every step races.
import type { XmppSession } from '../xmpp/connect.js';
import type { StreamhostListenerPort } from '../session/ports.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import type { FileInfo } from '../stanzas/si.js';
import type { AccountOptions } from '../xmpp/connect-account.js';
import type { EventSink, HashOutcome, Protocol, TransportKind } from '../session/events.js';
import type { ProtocolRequest } from './protocol-choice.js';

export interface SendContext {
  xmpp: XmppSession;
  req: SendRequest;
  file: FileInfo;
  listener?: StreamhostListenerPort;
  /** Our own streamhost's addresses (jid: ours), in order of preference. */
  direct: Streamhost[];
  proxies: Streamhost[];
  /** With --hash: the file's MD5 (hex, for SI) and SHA-256 (for Jingle), read before the offer. */
  digests?: { md5: string; sha256: Buffer };
  /** Rejects when the XMPP connection is lost. */
  lost: Promise<never>;
  phase: (name: string) => void;
}

export type ProxyChoice = { mode: 'discover' } | { mode: 'list'; jids: string[] } | { mode: 'none' };

export interface AdvertisedHost {
  host: string;
  /** Port to advertise when it differs from the listening one (NAT port forwarding). */
  port?: number;
}

export interface SendRequest {
  account: AccountOptions;
  file: string;
  to: string;
  /** Name to offer; default: the file's base name. */
  name?: string;
  proxies: ProxyChoice;
  /** Our own streamhost: off, or on `port` (0 = any) advertised on `hosts` (default: our addresses). */
  direct: { enabled: false } | { enabled: true; port: number; hosts?: AdvertisedHost[] };
  /** Hash the file before the offer and put the hash in it (SI: MD5; Jingle: SHA-256, which Jingle also sends after the data anyway). */
  hash: boolean;
  /** auto (default): Jingle when the peer announces it, else SI. */
  protocol?: ProtocolRequest;
  /** Offer In-Band Bytestreams (XEP-0047) too, and fall back to them when no SOCKS5 connection works. */
  ibb: boolean;
  /** How long the receiver may take to accept or decline. */
  offerTimeoutMs: number;
  onEvent: EventSink;
  signal?: AbortSignal;
}

export interface SendResult {
  sid: string;
  file: FileInfo;
  bytes: number;
  seconds: number;
  /** Undefined when the file went in-band. */
  streamhost?: Streamhost;
  protocol: Protocol;
  transport: TransportKind;
  /** Jingle: the SHA-256 we sent, verified when the receiver confirmed it. */
  hash?: HashOutcome;
}

