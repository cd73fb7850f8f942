// An accepted SOCKS5 connection as a Bytestream with a fast reader (ports.ts ReadInto): the
// socket is adopted (adopt-socket.ts) so its bytes are read into recycled 1 MiB buffers and handed
// to the consumer without a copy, as a dialed socket's are (socket-reader.ts). A Jingle receiver
// reads from the connection the sender made to our streamhost when our candidate is nominated
// (XEP-0260 §2.4); with Node's default 64 KiB reads that path cost 2.5× the CPU of a dialed one
// and over 100 MB of RSS at 4 GiB (bench, README "Performance"). When the socket cannot be
// adopted (bytes already buffered after the handshake), it is returned as it is.
import type net from 'node:net';
import { Xep65Error } from '../errors.js';
import type { Bytestream } from '../session/ports.js';
import { adoptSocket, type AdoptedReads } from './adopt-socket.js';
import type { ChunkConsumer } from './socket-reader.js';
import { describeSocketError } from './socket-errors.js';

export function acceptedBytestream(socket: net.Socket): Bytestream {
  let consumer: ChunkConsumer | undefined;
  let reads: AdoptedReads | undefined;
  const adopted = adoptSocket(socket, (chunk, buffer) => {
    consumer?.(chunk); // nobody reading (a sender's socket): the peer sends nothing worth keeping
    reads?.recycle(buffer);
    return true;
  });
  if (!adopted) return { stream: socket };
  reads = adopted.reads;
  const stream = adopted.socket;
  stream.on('error', () => undefined); // reported to whoever reads or writes it
  return {
    stream,
    readInto(consume) {
      let stop!: () => void;
      const done = new Promise<void>((resolve, reject) => {
        const finish = (err?: Error) => {
          consumer = undefined;
          stream.off('end', onEnd).off('close', onEnd).off('error', onError);
          if (err) reject(err);
          else resolve();
        };
        const onEnd = () => finish();
        const onError = (err: Error) => finish(new Xep65Error('stream-broken', describeSocketError(err), { cause: err }));
        stop = () => (finish(), stream.pause());
        consumer = consume;
        stream.on('end', onEnd).on('close', onEnd).on('error', onError);
        if (stream.readableEnded || stream.destroyed) return finish();
        stream.resume();
      });
      return { done, stop };
    },
  };
}
