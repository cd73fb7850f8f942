// Events sessions and use cases report; only the CLI turns them into text (ARCHITECTURE rule 9).
import type { FileInfo } from '../stanzas/si.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import type { HashAlgo, HashEncoding } from '../stanzas/hashes.js';

/** Which negotiation carried a transfer: SI (XEP-0096) or Jingle File Transfer (XEP-0234). */
export type Protocol = 'si' | 'jingle';
/** How the bytes went: SOCKS5 to a peer's or our own streamhost, SOCKS5 through a proxy, or in-band. */
export type TransportKind = 's5b-direct' | 's5b-proxy' | 'ibb';

/** The hash a transfer was checked with; verified is null when the sender gave none to compare. */
export interface HashOutcome {
  algo: HashAlgo;
  /** Base64 of the digest we computed. */
  value: string;
  verified: boolean | null;
  /** How the sender wrote its value when not as XEP-0300 says (FIELD-NOTES: Libervia's base64 of hex). */
  encoding?: HashEncoding;
}

/** A resource of a bare-JID recipient, as `send` weighed it. */
export interface ResourceCandidateInfo {
  jid: string;
  priority: number;
  protocol?: Protocol;
  why: string;
}

export type TransferEvent =
  | { kind: 'ready'; jid: string }
  /** Logged in (once per run: every file of a send goes over this one connection). */
  | { kind: 'logged-in'; jid: string }
  /** A bare-JID recipient: the resource chosen, why, and every resource that was considered. */
  | { kind: 'resource-chosen'; peer: string; jid: string; protocol: Protocol; reason: string; candidates: ResourceCandidateInfo[] }
  /** receive: a subscription request approved (the sender is allowed by the accept rules) or ignored. */
  | { kind: 'subscription'; from: string; approved: boolean }
  /** receive --resume: the file continues at `offset` (bytes kept from an earlier attempt). */
  | { kind: 'resumed-from'; sid: string; peer: string; offset: number }
  /** receive --resume: what was kept under this name is another file (why), so it starts afresh. */
  | { kind: 'resume-mismatch'; sid: string; peer: string; why: string }
  /** Which protocol a send uses and why (the peer's disco#info, or --protocol). */
  | { kind: 'protocol'; peer: string; protocol: Protocol; reason: string }
  | { kind: 'offer'; from: string; sid: string; file: FileInfo; protocol?: Protocol }
  | { kind: 'offer-sent'; to: string; sid: string; file: FileInfo; protocol?: Protocol }
  /** method: the stream method (SI) or transport (Jingle) namespace the receiver took. */
  /** resumedFrom: the receiver asked for the file from this byte on (a resumed transfer). */
  | { kind: 'accepted'; peer: string; sid: string; method: string; protocol?: Protocol; resumedFrom?: number }
  | { kind: 'declined'; peer: string; sid: string; file: FileInfo; reason: string }
  | { kind: 'proxies'; streamhosts: Streamhost[] }
  /** The receiver starts connecting to a streamhost (in offered order, staggered). */
  | { kind: 'streamhost-tried'; sid: string; streamhost: Streamhost }
  | { kind: 'streamhost-failed'; sid: string; streamhost: Streamhost; error: Error }
  | { kind: 'streamhost-used'; sid: string; streamhost: Streamhost }
  /** Jingle S5B (XEP-0260 §2.4): the candidate both sides use; ours: one we offered (the peer connected to it). */
  | { kind: 'candidate-nominated'; sid: string; candidate: Streamhost & { cid: string; type: string; priority: number }; ours: boolean }
  /** Jingle: the transport was replaced (XEP-0260 §2.6 fallback to XEP-0261 IBB). */
  | { kind: 'transport-replaced'; sid: string; transport: TransportKind }
  /** How the bytes go, once a bytestream is open. */
  | { kind: 'transport'; sid: string; protocol: Protocol; transport: TransportKind }
  /** A received file's hash checked against the sender's (or not: verified null, size checked only). */
  | { kind: 'hash'; sid: string; hash: HashOutcome }
  /** The bytes go in-band (XEP-0047), chosen or as the fallback after SOCKS5 failed. */
  | { kind: 'ibb-opened'; sid: string; blockSize: number }
  | { kind: 'progress'; sid: string; bytes: number; total: number }
  /** path: where a received file was saved; stdout: it went to standard output (receive --stdout). */
  | { kind: 'done'; sid: string; peer: string; file: FileInfo; bytes: number; seconds: number; path?: string; stdout?: true; protocol?: Protocol; transport?: TransportKind; hash?: HashOutcome; resumedFrom?: number }
  | { kind: 'failed'; sid: string; peer: string; file: FileInfo; error: Error }
  /** The server could not be reached; the login is tried again (--retry). */
  | { kind: 'login-retry'; error: Error; seconds: number }
  /** Part files left by a receiver that was killed (its PID is gone) were removed from a receive directory. */
  | { kind: 'part-files-removed'; paths: string[] }
  /** The --exec command ran for a saved file. */
  | { kind: 'exec'; path: string; command: string; status: number }
  /** An XML element sent or received (-vv), credentials hidden. */
  | { kind: 'xml'; direction: 'in' | 'out'; xml: string }
  /** How long one phase took (login, discovery, offer, negotiation, data, close), for -v and benchmarks. */
  | { kind: 'timing'; phase: string; ms: number };

export type EventSink = (event: TransferEvent) => void;
