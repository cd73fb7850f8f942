// Fast reads for the bytes of a bytestream. Node's default socket reads hand out a fresh 64 KiB
// buffer per read, which caps a socket-to-file copy near 1 GB/s here; reading into one reused
// 1 MiB buffer (net `onread`) and writing it out before the next read more than doubles that
// (bench: README "Performance"). A socket dialed this way emits no 'data': bytes go to the
// handshake (readMessage); after release() the socket behaves as any readable socket (copies,
// backpressure through push); pump() takes the bytes directly, without copies.
import net from 'node:net';
import { Xep65Error } from '../errors.js';
import { describeSocketError } from './socket-errors.js';
import type { Decoded } from '../socks5/codec.js';

const READ_BUFFER_BYTES = 1 << 20;
/**
 * Read buffers of closed connections, for the next ones: a Jingle send dials its peer's
 * candidates for every file, and 100 small files allocated 100 MiB of them.
 */
const idleBuffers: Buffer[] = [];
const MAX_IDLE_BUFFERS = 8;
/** Bytes kept while nobody consumes them (between handshake and pump) before reading pauses. */
const MAX_PENDING_BYTES = 4 << 20;

/** Called with each chunk; the chunk is only valid during the call. */
export type ChunkConsumer = (chunk: Buffer) => void;

export class SocketReader {
  readonly socket: net.Socket;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private consumer: ChunkConsumer | undefined;
  private released = false;
  private notify: (() => void) | undefined;

  constructor(options: { host: string; port: number }) {
    const buffer = idleBuffers.pop() ?? Buffer.allocUnsafe(READ_BUFFER_BYTES);
    this.socket = net.connect({ ...options, onread: { buffer, callback: (n) => this.onRead(buffer.subarray(0, n)) } });
    this.socket.on('end', () => this.notify?.()).on('close', () => {
      // Closed: no read will use it again, and no consumer holds a chunk past its call.
      if (idleBuffers.length < MAX_IDLE_BUFFERS) idleBuffers.push(buffer);
      this.notify?.();
    });
  }

  /** Reads one message (a SOCKS5 reply): waits until `decode` succeeds, keeps what follows. */
  async readMessage<T>(decode: (buf: Buffer) => Decoded<T>, signal?: AbortSignal): Promise<T> {
    for (;;) {
      signal?.throwIfAborted();
      const buffered = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      const decoded = decode(buffered);
      if (decoded) {
        this.pending = decoded.rest.length > 0 ? [decoded.rest] : [];
        this.pendingBytes = decoded.rest.length;
        return decoded.value;
      }
      if (this.socket.readableEnded || this.socket.destroyed) throw new Xep65Error('io', 'connection closed during the SOCKS5 handshake');
      await this.nextEvent(signal);
    }
  }

  /** Ends the handshake: from now on bytes go through the socket's readable side as usual. */
  release(): void {
    this.released = true;
    for (const chunk of this.pending.splice(0)) this.socket.push(chunk);
    this.pendingBytes = 0;
  }

  /**
   * Hands every byte from now on to `consume`, starting with any that arrived earlier; resolves
   * when the peer closes, rejects on a socket error. `stop()` ends it early (the caller is done).
   */
  pump(consume: ChunkConsumer): { done: Promise<void>; stop(): void } {
    let stop!: () => void;
    const done = new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        this.consumer = undefined;
        this.socket.off('end', onEnd).off('close', onEnd).off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const onEnd = () => finish();
      const onError = (err: Error) => finish(new Xep65Error('stream-broken', describeSocketError(err), { cause: err }));
      stop = () => finish();
      try {
        for (const chunk of this.pending.splice(0)) consume(chunk);
        for (let chunk: Buffer | null; (chunk = this.socket.read() as Buffer | null) !== null; ) consume(chunk);
      } catch (err) {
        return finish(err as Error);
      }
      this.pendingBytes = 0;
      this.consumer = consume;
      this.socket.on('end', onEnd).on('close', onEnd).on('error', onError);
      if (this.socket.readableEnded || this.socket.destroyed) return finish();
      this.socket.resume();
    });
    return { done, stop };
  }

  private onRead(chunk: Buffer): boolean {
    if (this.consumer) {
      this.consumer(chunk);
      return true;
    }
    if (this.released) return this.socket.push(Buffer.from(chunk)); // the read buffer is reused: copy
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.length;
    this.notify?.();
    return this.pendingBytes < MAX_PENDING_BYTES;
  }

  private nextEvent(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => done(signal?.reason instanceof Error ? signal.reason : new Xep65Error('aborted', 'cancelled'));
      const onError = (err: Error) => done(new Xep65Error('io', describeSocketError(err), { cause: err }));
      const done = (err?: Error) => {
        this.notify = undefined;
        signal?.removeEventListener('abort', onAbort);
        this.socket.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      this.notify = () => done();
      this.socket.once('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
