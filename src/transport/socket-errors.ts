// Node's socket and stream errors in words for our one-line messages: its own wording ("Cannot
// call write after a stream was destroyed", "read ECONNRESET") means nothing to a user, and we
// branch on the error's code, never on its text.
const BY_CODE: Record<string, string> = {
  ECONNRESET: 'the peer reset the connection',
  EPIPE: 'the peer closed the connection',
  ECONNABORTED: 'the connection was aborted',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the peer cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  ERR_STREAM_DESTROYED: 'the connection was already closed',
  ERR_STREAM_WRITE_AFTER_END: 'the connection was already closed',
  ERR_STREAM_PREMATURE_CLOSE: 'the connection closed early',
};

/** What went wrong with a connection, for a message; the code is kept for anything unknown. */
export function describeSocketError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && BY_CODE[code]) return BY_CODE[code];
  return code ?? err.message;
}
