// Turns what a failed login throws (socket, TLS, SASL, stream errors) into one clear Xep65Error.
import { Xep65Error, describeConnectErrno } from '../errors.js';
import type { ServerAddress } from './server-address.js';

export function mapConnectError(err: unknown, server: ServerAddress, domain: string): Xep65Error {
  const where = `${server.host}:${server.port}`;
  const e = err as { name?: string; code?: string; condition?: string; message?: string } | undefined;
  if (err instanceof Xep65Error) {
    if (err.code === 'timeout') return new Xep65Error('connection', `timed out logging in to ${domain} at ${where}`, { cause: err, reason: 'timed-out' });
    return err.code === 'aborted' ? err : new Xep65Error('connection', err.message, { cause: err });
  }
  if (e?.name === 'SASLError') {
    return new Xep65Error('auth', `login to ${domain} refused: ${e.condition ?? e.message ?? 'not-authorized'}`, { cause: err });
  }
  const socketReason = describeConnectErrno(e?.code);
  if (socketReason) {
    return new Xep65Error('connection', `cannot connect to ${where}: ${socketReason}`, { cause: err, reason: 'unreachable' });
  }
  if (e?.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(e.code)) {
    return new Xep65Error('connection', `the TLS certificate of ${domain} is not trusted (${e.code}); pass its CA with --ca-file`, {
      cause: err,
    });
  }
  if (e?.name === 'StreamError') {
    return new Xep65Error('connection', `the server closed the stream: ${e.condition ?? e.message ?? 'stream error'}`, { cause: err });
  }
  return new Xep65Error('connection', `login to ${domain} at ${where} failed: ${e?.message ?? String(err)}`, { cause: err });
}
