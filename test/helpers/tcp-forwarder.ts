// A TCP forwarder on loopback that a test controls: put in front of Prosody's c2s port it lets a
// test cut one client's XMPP connection; put in front of a streamhost it can hold the data back
// (pause) so a fault lands in the middle of a transfer.
import net from 'node:net';

export interface Forwarder {
  /** The port to connect to (127.0.0.1). */
  port: number;
  /** Bytes that went from the target back to the clients so far. */
  readonly bytesDown: number;
  /** Stops moving bytes in both directions (the sockets stay open). */
  pause(): void;
  /**
   * Pauses by itself the moment bytesDown reaches `mark` (in the data handler, not by polling:
   * a transfer on loopback moves ~20 MB between two polls); resolves then.
   */
  pauseAt(mark: number): Promise<void>;
  resume(): void;
  /** Resets every connection, as a broken network or a dying server would. */
  cut(): void;
  close(): Promise<void>;
}

/** Like pipe(), but a pause() from the test is never undone by a 'drain'. */
function forward(from: net.Socket, to: net.Socket, count: (n: number) => void): void {
  from.on('data', (d: Buffer) => {
    count(d.length);
    if (!to.write(d)) {
      from.pause();
      to.once('drain', () => void (pausedByTest(from) || from.resume()));
    }
  });
  from.on('end', () => to.end());
}

const testPaused = new WeakSet<net.Socket>();
const pausedByTest = (s: net.Socket) => testPaused.has(s);

export async function startForwarder(targetPort: number, targetHost = '127.0.0.1'): Promise<Forwarder> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let paused = false;
  let bytesDown = 0;
  let mark: { at: number; reached(): void } | undefined;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    forward(client, upstream, () => undefined);
    forward(upstream, client, (n) => {
      bytesDown += n;
      if (mark && bytesDown >= mark.at) {
        const reached = mark.reached;
        mark = undefined;
        pauseAll();
        reached();
      }
    });
    if (paused) pair.forEach((s) => (testPaused.add(s), s.pause()));
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const cut = () => {
    for (const pair of [...pairs]) pair.forEach((s) => s.resetAndDestroy());
    pairs.clear();
  };
  const pauseAll = () => {
    paused = true;
    for (const pair of pairs) pair.forEach((s) => (testPaused.add(s), s.pause()));
  };
  return {
    port,
    get bytesDown() {
      return bytesDown;
    },
    pause: pauseAll,
    pauseAt(at) {
      return new Promise<void>((resolve) => {
        if (bytesDown >= at) {
          pauseAll();
          resolve();
        } else mark = { at, reached: resolve };
      });
    },
    resume() {
      paused = false;
      for (const pair of pairs) pair.forEach((s) => (testPaused.delete(s), s.resume()));
    },
    cut,
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
