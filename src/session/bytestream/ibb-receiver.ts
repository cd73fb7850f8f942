// The receiving side of an In-Band Bytestream (XEP-0047 §2; XEP-0261 carries the same stream in
// Jingle): an <open/> for a stream a front-end expects (SI chose IBB or keeps it as the fallback;
// Jingle negotiated it) becomes a readable stream of the decoded <data/> chunks, checked in
// sequence (§2.2, 16-bit wrap). Each data IQ is answered once its chunk is taken, so a slow disk
// slows the sender (§2.2 "throttling"). Any other <open/> is refused: not-acceptable.
import { PassThrough, type Duplex } from 'node:stream';
import type { Element } from '@xmpp/xml';
import { buildError } from '../../stanzas/stanza-error.js';
import { nextSeq, parseIbbClose, parseIbbData, parseIbbOpen } from '../../stanzas/ibb.js';
import { NS_IBB } from '../../stanzas/ns.js';
import type { EventSink } from '../events.js';
import type { IqAnswer, XmppPort } from '../ports.js';

/** One stream a front-end waits for. */
export interface IbbExpectation {
  /** Resolves with the stream once the peer's <open/> came. */
  readonly opened: Promise<Duplex>;
  /** Withdraws the expectation; false when the stream already opened (`opened` has it). */
  cancel(): boolean;
}

interface Incoming {
  stream: PassThrough;
  blockSize: number;
  seq: number;
}

export interface IbbReceiver {
  /** Accepts one <open/> from `from` (the full JID) for `sid` until cancelled. */
  expect(from: string, sid: string): IbbExpectation;
  /**
   * Resolves once every stream got its <close/> (or after `ms`): a receiver that has the whole
   * file still answers the sender's close before it logs out, or the sender waits for nothing.
   */
  drain(ms: number): Promise<void>;
  /** The XMPP connection is gone: every open stream fails with `error` (no more data can come). */
  abandon(error: Error): void;
}

export function serveIbbReceiver(xmpp: XmppPort, onEvent: EventSink): IbbReceiver {
  const streams = new Map<string, Incoming>();
  const expected = new Map<string, (stream: Duplex) => void>();
  const keyOf = (from: string, sid: string) => `${from}\n${sid}`;
  let onEmpty: (() => void) | undefined;

  xmpp.handle('set', NS_IBB, 'open', ({ from, element }): IqAnswer => {
    const open = parseIbbOpen(element);
    if (!open) return buildError('modify', 'bad-request');
    if (open.stanza !== 'iq') return buildError('cancel', 'feature-not-implemented', { text: 'data in IQ stanzas only' });
    const key = keyOf(from, open.sid);
    const deliver = expected.get(key);
    if (!deliver || streams.has(key)) return buildError('cancel', 'not-acceptable');
    expected.delete(key);
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    // The reader reports a failure while it reads; a bad packet right after the last one (the
    // reader already done) must not crash the receiver with an unhandled 'error'. A failed stream
    // is over (§2.2): forget it, so nothing waits for its <close/> and nothing piles up.
    stream.on('error', () => forget(key));
    streams.set(key, { stream, blockSize: open.blockSize, seq: 0 });
    onEvent({ kind: 'ibb-opened', sid: open.sid, blockSize: open.blockSize });
    deliver(stream);
    return true;
  });

  xmpp.handle('set', NS_IBB, 'data', async ({ from, element }): Promise<IqAnswer> => {
    const data = parseIbbData(element);
    if (!data) return refuseBadData(from, element);
    const incoming = streams.get(keyOf(from, data.sid));
    if (!incoming || incoming.stream.destroyed) return buildError('cancel', 'item-not-found');
    if (data.seq !== incoming.seq || data.data.length > incoming.blockSize) {
      // §2.2: a lost or oversized packet ends the stream; nothing after it is used.
      incoming.stream.destroy(new Error(data.seq !== incoming.seq ? `IBB packet ${data.seq} out of sequence (expected ${incoming.seq})` : 'IBB packet larger than the block size'));
      return buildError('cancel', 'unexpected-request');
    }
    incoming.seq = nextSeq(incoming.seq);
    if (!incoming.stream.write(data.data)) {
      await new Promise<void>((resolve) => {
        incoming.stream.once('drain', resolve);
        incoming.stream.once('close', resolve);
      });
    }
    return true;
  });

  /**
   * §2.2: a packet that is not valid base64 (or has no usable seq) is answered bad-request
   * (cancel), and the sender must close; its stream ends here at once, as for a lost packet, so
   * a sender that goes quiet instead does not leave the transfer waiting for the idle timeout.
   */
  function refuseBadData(from: string, element: Element): IqAnswer {
    const seq = String(element.attrs.seq ?? '');
    const why = /^[0-9]{1,5}$/.test(seq) && Number(seq) <= 0xffff ? `IBB packet ${seq} is not valid base64` : 'IBB packet without a valid seq (0-65535)';
    const sid = element.attrs.sid;
    const incoming = typeof sid === 'string' ? streams.get(keyOf(from, sid)) : undefined;
    incoming?.stream.destroy(new Error(why));
    return buildError('cancel', 'bad-request', { text: why });
  }

  xmpp.handle('set', NS_IBB, 'close', ({ from, element }): IqAnswer => {
    const sid = parseIbbClose(element);
    const incoming = sid ? streams.get(keyOf(from, sid)) : undefined;
    if (!sid || !incoming) return buildError('cancel', 'item-not-found');
    forget(keyOf(from, sid));
    incoming.stream.end(); // a no-op when the file was already complete and the stream closed
    return true;
  });

  function forget(key: string): void {
    if (!streams.delete(key)) return;
    if (streams.size === 0) onEmpty?.();
  }

  return {
    expect(from, sid) {
      const key = keyOf(from, sid);
      let deliver!: (stream: Duplex) => void;
      const opened = new Promise<Duplex>((resolve) => (deliver = resolve));
      expected.set(key, deliver);
      return { opened, cancel: () => expected.get(key) === deliver && expected.delete(key) };
    },
    drain(ms) {
      if (streams.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        onEmpty = () => {
          clearTimeout(timer);
          setImmediate(resolve); // let the result of the last <close/> go out first
        };
      });
    },
    abandon(error) {
      for (const incoming of streams.values()) incoming.stream.destroy(error);
      streams.clear();
      expected.clear();
      onEmpty?.();
    },
  };
}
