// The "ourproxy under load" case (issue 13 item 3): N streams at once through a running `xep65
// proxy`, each N × bytesPerStream from requester to target (proxy-streams.ts), against one stream
// through the same code. Aggregate rate = all bytes / (last stream done − first byte written);
// fairness = slowest stream's rate / fastest's. The proxy's peak RSS is its own (OurProxy.stop()),
// so a caller wanting it for this case alone starts a fresh proxy for it (withOurProxy).
import { readFile } from 'node:fs/promises';
import { connectAccount } from '../../src/xmpp/connect-account.js';
import { parseHostPort } from '../../src/cli/host-port.js';
import type { BenchContext } from './measure.js';
import type { OurProxy } from './proxy-cases.js';
import { proxyStreamhost, relayStreams, seededBytes, type StreamResult, type Verify } from './proxy-streams.js';

const MB = 1e6;
/** Each stream's reused write buffer: distinct content per stream, 20 MiB for 20 streams. */
const PATTERN_BYTES = 1 << 20;
const LOGIN_TIMEOUT_MS = 20_000;
/** Generous: 20 × 256 MiB at a pessimistic 50 MB/s is ~110 s. */
const MIN_RELAY_TIMEOUT_MS = 60_000;
const MIN_RATE_BYTES_PER_MS = 50 * MB / 1000;

export interface ProxyLoadOptions {
  streams: number;
  bytesPerStream: number;
  /** Default 'sampled': every byte counted, the first and last 64 of each read compared. */
  verify?: Verify;
}

export interface ProxyLoadSample {
  streams: number;
  bytesPerStream: number;
  /** First byte written → last byte received, over all streams. */
  seconds: number;
  aggregateMBps: number;
  /** Each stream's bytes / (its last byte received − its first byte written), in plan order. */
  perStreamMBps: number[];
  /** Slowest stream's rate / fastest's (1 for one stream). */
  fairness: number;
}

/** N streams at once through `proxy`, requested by ctx.alice (one XMPP session activates them all). */
export async function proxyLoad(ctx: BenchContext, proxy: Pick<OurProxy, 'jid'>, opts: ProxyLoadOptions): Promise<ProxyLoadSample> {
  const env = ctx.alice;
  const [jid, password, server, caFile] = [env.XEP65_JID, env.XEP65_PASSWORD, env.XEP65_SERVER, env.XEP65_CA_FILE];
  if (!jid || !password || !server) throw new Error('ctx.alice needs XEP65_JID, XEP65_PASSWORD and XEP65_SERVER');
  const address = parseHostPort(server, 'XEP65_SERVER');
  const xmpp = await connectAccount({
    jid,
    password,
    resource: 'proxy-load',
    server: { host: address.host, port: address.port ?? 5222 },
    ...(caFile ? { ca: await readFile(caFile, 'utf8') } : {}),
    timeoutMs: LOGIN_TIMEOUT_MS,
  });
  try {
    const streamhost = await proxyStreamhost(xmpp, proxy.jid);
    const streams = Array.from({ length: opts.streams }, (_, i) => ({
      sid: `load-${i}-${Date.now().toString(36)}`,
      bytes: opts.bytesPerStream,
      pattern: seededBytes(`proxy-load-${i}`, Math.min(PATTERN_BYTES, opts.bytesPerStream)),
    }));
    const totalBytes = opts.streams * opts.bytesPerStream;
    const results = await relayStreams({
      xmpp,
      proxyJid: proxy.jid,
      streamhost,
      target: `bob@${ctx.prosody.domain}/proxy-load`,
      streams,
      verify: opts.verify ?? 'sampled',
      timeoutMs: Math.max(MIN_RELAY_TIMEOUT_MS, totalBytes / MIN_RATE_BYTES_PER_MS),
    });
    return summarizeLoad(opts, results);
  } finally {
    await xmpp.close();
  }
}

/** One stream through the same code, for the aggregate / one-stream ratio of the same run. */
export function proxyOneStream(ctx: BenchContext, proxy: Pick<OurProxy, 'jid'>, bytes: number, verify?: Verify): Promise<ProxyLoadSample> {
  return proxyLoad(ctx, proxy, { streams: 1, bytesPerStream: bytes, ...(verify ? { verify } : {}) });
}

export function summarizeLoad(opts: Pick<ProxyLoadOptions, 'streams' | 'bytesPerStream'>, results: StreamResult[]): ProxyLoadSample {
  const first = Math.min(...results.map((r) => r.startMs));
  const last = Math.max(...results.map((r) => r.endMs));
  const seconds = (last - first) / 1000;
  const total = results.reduce((n, r) => n + r.bytes, 0);
  const perStreamMBps = results.map((r) => r.bytes / ((r.endMs - r.startMs) / 1000) / MB);
  return {
    streams: opts.streams,
    bytesPerStream: opts.bytesPerStream,
    seconds,
    aggregateMBps: total / seconds / MB,
    perStreamMBps,
    fairness: Math.min(...perStreamMBps) / Math.max(...perStreamMBps),
  };
}
