// Fast reads for sockets our servers accept. Node reads an accepted socket into a fresh 64 KiB
// buffer each time and offers `onread` (reads into buffers we supply) only to sockets it creates
// itself. Moving the accepted socket's handle into a new Socket with `onread` gets 1 MiB reads
// into recycled buffers: a relay hop goes from about 0.5× to about 0.8× of socat's (bench:
// README "Performance"). This uses the private `_handle`, so it is checked and optional: when it
// is not there, or the socket is not idle, the caller keeps the socket as it is.
import net from 'node:net';

export const ADOPTED_READ_BYTES = 1 << 20;

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
  const pool: Buffer[] = [];
  const adopted = new net.Socket({
    handle: handle as never,
    onread: {
      buffer: () => pool.pop() ?? Buffer.allocUnsafe(ADOPTED_READ_BYTES),
      callback: (n: number, buffer: Uint8Array) => onRead((buffer as Buffer).subarray(0, n), buffer as Buffer),
    },
  } as net.SocketConstructorOpts);
  owner._handle = null;
  // The old object no longer owns the connection; destroying it closes nothing, but tells its
  // server the connection is gone (server.close() waits for that) and drops its listeners' work.
  socket.removeAllListeners();
  socket.on('error', () => undefined);
  socket.destroy();
  adopted.pause();
  return { socket: adopted, reads: { recycle: (b) => void (pool.length < 4 && pool.push(b)) } };
}
