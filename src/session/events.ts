// Events sessions and use cases report; only the CLI turns them into text (ARCHITECTURE rule 9).
import type { FileInfo } from '../stanzas/si.js';
import type { Streamhost } from '../stanzas/bytestreams.js';

export type TransferEvent =
  | { kind: 'ready'; jid: string }
  | { kind: 'offer'; from: string; sid: string; file: FileInfo }
  | { kind: 'offer-sent'; to: string; sid: string; file: FileInfo }
  | { kind: 'accepted'; peer: string; sid: string; method: string }
  | { kind: 'declined'; peer: string; sid: string; file: FileInfo; reason: string }
  | { kind: 'proxies'; streamhosts: Streamhost[] }
  /** The receiver starts connecting to a streamhost (in offered order, staggered). */
  | { kind: 'streamhost-tried'; sid: string; streamhost: Streamhost }
  | { kind: 'streamhost-failed'; sid: string; streamhost: Streamhost; error: Error }
  | { kind: 'streamhost-used'; sid: string; streamhost: Streamhost }
  /** The bytes go in-band (XEP-0047), chosen or as the fallback after SOCKS5 failed. */
  | { kind: 'ibb-opened'; sid: string; blockSize: number }
  | { kind: 'progress'; sid: string; bytes: number; total: number }
  /** path: where a received file was saved; stdout: it went to standard output (receive --stdout). */
  | { kind: 'done'; sid: string; peer: string; file: FileInfo; bytes: number; seconds: number; path?: string; stdout?: true }
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
