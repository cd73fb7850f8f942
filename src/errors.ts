// Typed errors shared by every layer. Each carries a stable `code`; the CLI maps codes to exit
// statuses in one table (src/cli/exit-codes.ts). Nothing below the CLI decides an exit status.

export type ErrorCode =
  | 'usage' // the command line or configuration is wrong
  | 'connection' // could not reach or log in to the XMPP server
  | 'auth' // the server rejected our credentials
  | 'declined' // the peer declined the offer
  | 'unsupported' // the peer does not support what we need (SI, file transfer, bytestreams)
  | 'no-streamhost' // no streamhost could be connected
  | 'stream-broken' // the bytestream ended early or failed mid-transfer
  | 'integrity' // size or hash of the received data does not match the offer
  | 'timeout' // a bounded wait ran out
  | 'aborted' // cancelled by the user (Ctrl-C) or by an AbortSignal
  | 'protocol' // the peer sent something the spec does not allow
  | 'io' // a local file or socket operation failed
  | 'internal'; // a bug: anything we did not expect

/**
 * A finer reason where code branches within one error code (never on the message text):
 * - unreachable: the server's TCP connection failed (refused, no route, host not found);
 * - timed-out: the login did not finish in time;
 * - dst-addr-refused: a SOCKS5 CONNECT named a DST.ADDR we do not expect;
 * - offline, not-subscribed, no-file-transfer: why a bare-JID recipient has no resource to send to
 *   (no available resource; we see no presence of it; online, but no resource can receive a file).
 */
export type ErrorReason = 'unreachable' | 'timed-out' | 'dst-addr-refused' | 'offline' | 'not-subscribed' | 'no-file-transfer';

export class Xep65Error extends Error {
  readonly code: ErrorCode;
  readonly reason?: ErrorReason;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; reason?: ErrorReason }) {
    super(message, options);
    this.code = code;
    if (options?.reason) this.reason = options.reason;
    this.name = 'Xep65Error';
  }
}

/** One candidate's failure, kept so that "every streamhost failed" can say why for each. */
export interface CandidateFailure {
  readonly candidate: string;
  readonly error: Error;
}

/** Every streamhost was tried and none worked (after Smack's CouldNotConnectToAnyProvidedSocks5Host). */
export class NoStreamhostError extends Xep65Error {
  readonly failures: readonly CandidateFailure[];
  constructor(message: string, failures: readonly CandidateFailure[]) {
    const detail = failures.map((f) => `${f.candidate}: ${f.error.message}`).join('; ');
    super('no-streamhost', detail ? `${message} (${detail})` : message);
    this.failures = failures;
  }
}

export function isXep65Error(err: unknown): err is Xep65Error {
  return err instanceof Xep65Error;
}

/** Wraps anything thrown into an Xep65Error, keeping the original as `cause`. */
export function toXep65Error(err: unknown, code: ErrorCode = 'internal'): Xep65Error {
  if (err instanceof Xep65Error) return err;
  if (err instanceof Error && err.name === 'AbortError') return new Xep65Error('aborted', 'cancelled', { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new Xep65Error(code, message, { cause: err });
}

/** A failed TCP connect in words, by its errno code (one table for logins and SOCKS5 dials). */
const CONNECT_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EPIPE: 'connection closed',
};

export function describeConnectErrno(code: string | undefined): string | undefined {
  return code === undefined ? undefined : CONNECT_ERRORS[code];
}
