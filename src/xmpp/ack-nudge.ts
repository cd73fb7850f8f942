// Answers the server's bursts quickly at the TCP level. Prosody's sockets keep Nagle's algorithm
// on (server_epoll `nagle = true`), so a second small stanza to us waits until the first is ACKed;
// our kernel delays that ACK up to 40 ms when we send nothing back (RFC 1122 delayed ACK). A
// Jingle exchange is full of such pairs (an IQ result, then the peer's next request): each cost
// ~40 ms. So when data came and we wrote nothing by the next turn of the event loop, we write one
// space (whitespace between stanzas, RFC 6120 §4.6.1), whose segment carries the ACK at once.
// Never while a stream (re)start may be next: a space before the TLS handshake breaks it, and one
// before the `<?xml?>` of a restarted stream is not XML. So: on once the stream after STARTTLS is
// open (the features that follow its TLS session tickets waited 43 ms for our ACK), off for SASL
// (its success restarts the stream), on again online.

export interface AckNudge {
  /** Data arrived from the server. */
  received(): void;
  /** We wrote something (it carries the ACK). */
  wrote(): void;
  /** From now on: the header of the stream is written. */
  enable(): void;
  /** Until enable(): a stream restart may come. */
  disable(): void;
}

export function ackNudge(writeSpace: () => void): AckNudge {
  let enabled = false;
  let scheduled = false;
  let wroteSince = false;
  return {
    received() {
      if (!enabled || scheduled) return;
      scheduled = true;
      wroteSince = false;
      setImmediate(() => {
        scheduled = false;
        if (!wroteSince) writeSpace();
      });
    },
    wrote() {
      wroteSince = true;
    },
    enable() {
      enabled = true;
    },
    disable() {
      enabled = false;
    },
  };
}
