// Fast reads for sockets our servers accept. Node reads an accepted socket into a fresh 64 KiB
// buffer each time and offers `onread` (reads into buffers we supply) only to sockets it creates
// itself. Moving the accepted socket's handle into a new Socket with `onread` gets 1 MiB reads
// into recycled buffers (a pool shared by all, within a budget): a relay hop goes from about 0.5× to about 0.8× of socat's (bench:
// README "Performance"). This uses the private `_handle`, so it is checked and optional: when it
// is not there, or the socket is not idle, the caller keeps the socket as it is.
import net from 'node:net';

export const ADOPTED_READ_BYTES = 1 << 20;
/**
 * Sockets reading into 1 MiB buffers at once: each holds one to read into and one or two being
 * written, so a busy stream of our proxy held ~2 MiB and 120 streams took 317 MB. Sockets past
 * this many read into 256 KiB buffers. Both sizes come from pools shared by every socket.
 */
const BIG_READERS = 48;
const SMALL_READ_BYTES = 256 * 1024;
const pools = new Map<number, Buffer[]>([
  [ADOPTED_READ_BYTES, []],
  [SMALL_READ_BYTES, []],
]);
/** Idle buffers kept per size for the next reads. */
const POOL_MAX = 32;
let bigReaders = 0;

const bigBuffer = () => pools.get(ADOPTED_READ_BYTES)!.pop() ?? Buffer.allocUnsafe(ADOPTED_READ_BYTES);
const smallBuffer = () => pools.get(SMALL_READ_BYTES)!.pop() ?? Buffer.allocUnsafe(SMALL_READ_BYTES);

function recycle(buffer: Buffer): void {
  const pool = pools.get(buffer.length);
  if (pool && pool.length < POOL_MAX) pool.push(buffer);
}

interface HandleOwner {
  _handle: unknown;
}

/** Called with each chunk read into `buffer`; return false to pause the socket (backpressure). */
export type AdoptedRead = (chunk: Buffer, buffer: Buffer) => boolean;

export interface AdoptedReads {
  /** Where read buffers come from; give a buffer back with recycle() once nothing refers to it. */
  recycle(buffer: Buffer): void;
}

/**
 * A new Socket on `socket`'s connection that reads into buffers of ADOPTED_READ_BYTES and hands
 * them to `onRead`; undefined if the socket cannot be adopted. The old object must not be used
 * again: it no longer owns the connection. The new socket starts paused.
 */
export function adoptSocket(socket: net.Socket, onRead: AdoptedRead): { socket: net.Socket; reads: AdoptedReads } | undefined {
  const owner = socket as unknown as HandleOwner;
  const handle = owner._handle as { readStop?: unknown; useUserBuffer?: unknown } | null | undefined;
  const idle = socket.writableLength === 0 && !socket.destroyed && socket.readableLength === 0 && !socket.connecting;
  if (!handle || typeof handle.readStop !== 'function' || typeof handle.useUserBuffer !== 'function' || !idle) return undefined;
  socket.pause();
  const big = bigReaders < BIG_READERS;
  const next = big ? bigBuffer : smallBuffer;
  // Node asks for a buffer before each read; the one waiting when the socket closes was never
  // read into, and goes back to the pool (else every short connection cost a fresh 1 MiB).
  let waiting: Buffer | undefined;
  const adopted = new net.Socket({
    handle: handle as never,
    onread: {
      buffer: () => (waiting = next()),
      callback: (n: number, buffer: Uint8Array) => {
        if (buffer === waiting) waiting = undefined;
        return onRead((buffer as Buffer).subarray(0, n), buffer as Buffer);
      },
    },
  } as net.SocketConstructorOpts);
  adopted.once('close', () => {
    if (waiting) recycle(waiting);
    waiting = undefined;
  });
  owner._handle = null;
  // The old object no longer owns the connection; destroying it closes nothing, but tells its
  // server the connection is gone (server.close() waits for that) and drops its listeners' work.
  socket.removeAllListeners();
  socket.on('error', () => undefined);
  socket.destroy();
  adopted.pause();
  if (big) {
    bigReaders++;
    adopted.once('close', () => void bigReaders--);
  }
  return { socket: adopted, reads: { recycle } };
}
