// What a peer's session-terminate means for us (XEP-0166 §7.4 reasons, XEP-0234 §9 conditions):
// one table from the reason to our error code, so the exit status says declined (4), transport
// broken (5) or integrity (6) whatever point the session had reached.
import { Xep65Error, type ErrorCode } from '../../errors.js';
import type { JingleReason, ReasonCondition } from '../../stanzas/jingle.js';
import { parseFileTransferError } from '../../stanzas/jingle-ft.js';

const CODES: Record<ReasonCondition, { code: ErrorCode; says: string }> = {
  'alternative-session': { code: 'declined', says: 'wants another session instead' },
  busy: { code: 'declined', says: 'is busy' },
  cancel: { code: 'stream-broken', says: 'cancelled the transfer' },
  'connectivity-error': { code: 'no-streamhost', says: 'could not connect' },
  decline: { code: 'declined', says: 'declined the file' },
  expired: { code: 'timeout', says: 'let the session expire' },
  'failed-application': { code: 'stream-broken', says: 'failed (application)' },
  'failed-transport': { code: 'no-streamhost', says: 'found no working transport' },
  'general-error': { code: 'stream-broken', says: 'ended the session (general error)' },
  gone: { code: 'stream-broken', says: 'is gone' },
  'incompatible-parameters': { code: 'unsupported', says: 'cannot use our parameters' },
  'media-error': { code: 'integrity', says: 'says the file did not arrive intact' },
  'security-error': { code: 'integrity', says: 'reports a security error' },
  success: { code: 'stream-broken', says: 'ended the session before the transfer completed' },
  timeout: { code: 'timeout', says: 'timed out' },
  'unsupported-applications': { code: 'unsupported', says: 'does not support Jingle file transfer :5' },
  'unsupported-transports': { code: 'unsupported', says: 'supports none of our transports' },
};

/**
 * The error for a session the peer ended with `reason` (no reason: a plain general error). While
 * the offer is still pending, a cancel is the peer saying no (exit 4); later it broke the transfer.
 */
export function terminationError(peer: string, reason: JingleReason | undefined, pending = false): Xep65Error {
  if (!reason) return new Xep65Error(pending ? 'declined' : 'stream-broken', `${peer} ended the Jingle session without a reason`);
  const ft = parseFileTransferError(reason);
  const { code, says } =
    ft === 'file-too-large'
      ? { code: 'declined' as const, says: 'declined the file: too large' }
      : pending && reason.condition === 'cancel'
        ? { code: 'declined' as const, says: 'declined the file (cancel)' }
        : CODES[reason.condition];
  return new Xep65Error(code, `${peer} ${says}${reason.text ? `: ${reason.text}` : ''}`);
}

/** The reason we end a session with after our own failure `error`. */
export function reasonFor(error: Xep65Error): JingleReason {
  const text = error.message.slice(0, 200);
  switch (error.code) {
    case 'integrity':
      return { condition: 'media-error', text };
    case 'no-streamhost':
      return { condition: 'failed-transport', text };
    case 'timeout':
      return { condition: 'timeout', text };
    case 'aborted':
      return { condition: 'cancel', text };
    case 'io':
      return { condition: 'failed-application', text };
    case 'stream-broken':
      return { condition: 'connectivity-error', text };
    default:
      return { condition: 'general-error', text };
  }
}
