// The one table from error codes to exit statuses (README "Exit codes", man page EXIT STATUS).
import type { ErrorCode } from '../errors.js';

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  connection: 3,
  declined: 4,
  noStreamhost: 5,
  integrity: 6,
  timeout: 7,
  interrupted: 130,
  terminated: 143,
} as const;

const BY_CODE: Record<ErrorCode, number> = {
  usage: EXIT.usage,
  connection: EXIT.connection,
  auth: EXIT.connection,
  declined: EXIT.declined,
  unsupported: EXIT.declined,
  'no-streamhost': EXIT.noStreamhost,
  'stream-broken': EXIT.noStreamhost,
  protocol: EXIT.noStreamhost,
  integrity: EXIT.integrity,
  timeout: EXIT.timeout,
  aborted: EXIT.interrupted,
  io: EXIT.internal,
  internal: EXIT.internal,
};

export function exitCodeFor(code: ErrorCode): number {
  return BY_CODE[code];
}
