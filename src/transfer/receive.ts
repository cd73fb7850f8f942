// The `receive` use case: log in, advertise SI file transfer (XEP-0096 §4) and Jingle File
// Transfer (XEP-0234 §3) over SOCKS5 and IBB, answer offers of either through the accept policy, and save each file safely (part file, size and
// hash check, no-clobber rename). Runs until `count` transfers ended, the signal aborts, or
// the connection is lost.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Xep65Error, toXep65Error } from '../errors.js';
import { connectAccount, type AccountOptions } from '../xmpp/connect-account.js';
import type { Element } from '@xmpp/xml';
import { serveClientInfo, FILE_TRANSFER_FEATURES } from '../session/disco-responder.js';
import { OUR_PRIORITY } from '../session/presence/our-presence.js';
import { approveSubscriptions } from '../session/presence/subscriptions.js';
import { buildPresence } from '../stanzas/presence.js';
import { serveSiReceiver, type IncomingOffer, type SiReceiver } from '../session/si/receiver.js';
import type { EventSink } from '../session/events.js';
import type { Bytestream } from '../session/ports.js';
import { dialSocks5 } from '../transport/socks5-client.js';
import { receiveFile, receiveToFd } from '../transport/receive-file.js';
import { safeRelativePath } from '../transport/safe-name.js';
import { placeUnder } from '../transport/place.js';
import { removeStaleParts } from '../transport/file-sink.js';
import { lookupResume, releaseResume, type ResumeKey } from '../transport/resume-store.js';
import { bareJid } from '../stanzas/jid.js';
import { throttle } from './throttle.js';
import { NS_IBB } from '../stanzas/ns.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import type { FileDescription } from '../stanzas/file.js';
import { serveIbbReceiver } from '../session/bytestream/ibb-receiver.js';
import { serveJingle } from '../session/jingle/router.js';
import { serveJingleReceiver, type JingleIncoming } from '../session/jingle/responder.js';
import { jingleFeatures } from '../session/jingle/support.js';
import { OfferLimits } from '../session/offer-limits.js';
import type { StreamhostListenerPort } from '../session/ports.js';
import { listenStreamhost } from '../transport/streamhost-listener.js';
import { localAddresses } from '../transport/local-addresses.js';
import { jingleVerifier } from './jingle-verify.js';
import type { AdvertisedHost } from './send.js';
import { TIMEOUTS } from './timeouts.js';

/** Where received files go: a directory, or one open descriptor (standard output). */
export type ReceiveSink =
  | { kind: 'dir'; dir: string; existing: 'rename' | 'overwrite' | 'skip'; keepPartial: boolean; resume?: boolean }
  | { kind: 'fd'; fd: number };

export interface ReceiveRequest {
  account: AccountOptions;
  sink: ReceiveSink;
  /** Run after each saved file (--exec); awaited before the transfer counts as ended. */
  afterSave?: (path: string) => Promise<void>;
  /** Stop waiting for offers after this long; with nothing received, fail with 'timeout'. */
  deadlineMs?: number;
  /** Stop after this many accepted transfers ended (saved or failed); undefined: run until aborted. */
  count?: number;
  /** Accept In-Band Bytestreams (XEP-0047, XEP-0261), offered or as the fallback. */
  ibb: boolean;
  /** Our own streamhost for Jingle's direct candidates (XEP-0260): off, or on `port` advertised on `hosts`. */
  direct: { enabled: false } | { enabled: true; port: number; hosts?: AdvertisedHost[] };
  decide(offer: IncomingOffer): Promise<boolean>;
  /** Approve a subscription request from this bare JID (RFC 6121 §3.1.4); undefined: approve none. */
  approveSubscription?: (bare: string) => boolean;
  /** Our presence priority (RFC 6121 §4.7.2.3); default -1. */
  priority?: number;
  onEvent: EventSink;
  signal?: AbortSignal;
}

export interface ReceiveResult {
  saved: string[];
  failures: Xep65Error[];
}

export async function receiveFiles(req: ReceiveRequest): Promise<ReceiveResult> {
  const xmpp = await connectAccount(req.account);
  const listener = req.direct.enabled ? await listenStreamhost({ port: req.direct.port, handshakeTimeoutMs: TIMEOUTS.handshakeMs }).catch(async (err: unknown) => {
    await xmpp.close();
    throw err;
  }) : undefined;
  const result: ReceiveResult = { saved: [], failures: [] };
  const inFlight = new Set<Promise<void>>();
  const stop = new AbortController();
  const signal = req.signal ? AbortSignal.any([req.signal, stop.signal]) : stop.signal;
  let ended = 0;
  let target: SiReceiver | undefined;
  let caps: Element | undefined;
  const cleaned = new Set<string>();
  /** Each directory a file goes to is first rid of part files a killed receiver left there. */
  const cleanUp = async (dir: string) => {
    if (cleaned.has(dir)) return;
    cleaned.add(dir);
    const paths = await removeStaleParts(dir);
    if (paths.length > 0) req.onEvent({ kind: 'part-files-removed', paths });
  };
  const placed = async (base: string, offer: IncomingOffer) => {
    const where = await placeUnder(base, safeRelativePath(offer.file.name));
    await cleanUp(where.dir);
    return where;
  };
  /** --resume: what we kept of this file, asked for as a range; a kept part of another file goes. */
  const resumeOffset = async (offer: IncomingOffer): Promise<number> => {
    if (req.sink.kind !== 'dir') return 0;
    const where = await placed(req.sink.dir, offer);
    const found = await lookupResume(where.dir, { ...resumeKey(offer), name: where.name });
    if (found.kind === 'busy') return 0; // another transfer of it is under way: this one goes without
    offer.resumeClaim = where;
    if (found.kind === 'mismatch') req.onEvent({ kind: 'resume-mismatch', sid: offer.sid, peer: offer.from, why: found.why });
    if (found.kind !== 'resume') return 0;
    req.onEvent({ kind: 'resumed-from', sid: offer.sid, peer: offer.from, offset: found.offset });
    return found.offset;
  };

  try {
    const finished = new Promise<void>((resolve, reject) => {
      const transferEnded = () => {
        ended++;
        if (req.count !== undefined && ended >= req.count) resolve();
      };
      const fail = (offer: IncomingOffer, error: Xep65Error) => {
        if (offer.resumeClaim) releaseResume(offer.resumeClaim.dir, offer.resumeClaim.name);
        result.failures.push(error);
        req.onEvent({ kind: 'failed', sid: offer.sid, peer: offer.from, file: offer.file, error });
        transferEnded();
      };
      const save = async (offer: IncomingOffer, bytestream: Bytestream, jingle?: { incoming: JingleIncoming; description: FileDescription }) => {
        const verifier = jingle && jingleVerifier({ sid: offer.sid, ...jingle, checksumWaitMs: TIMEOUTS.checksumMs, unannouncedWaitMs: TIMEOUTS.unannouncedChecksumMs, onEvent: req.onEvent });
        try {
          const started = Date.now();
          const progress = throttle((bytes: number) => req.onEvent({ kind: 'progress', sid: offer.sid, bytes, total: offer.file.size }));
          const check = verifier ? { digest: verifier.digest } : offer.file.hash ? { md5: offer.file.hash } : {};
          // Jingle completes by byte count (FIELD-NOTES, Conversations PR 4294), its hash and the
          // session-terminate confirm; SI has only the sender's end to tell a stray extra byte.
          const endGraceMs = jingle ? TIMEOUTS.jingleEndGraceMs : TIMEOUTS.endGraceMs;
          const common = { size: offer.file.size, ...check, idleTimeoutMs: TIMEOUTS.idleMs, endGraceMs, onProgress: progress, signal: AbortSignal.any([signal]) };
          const saved =
            req.sink.kind === 'fd'
              ? { ...(await receiveToFd(bytestream, req.sink.fd, common)), path: undefined }
              : await receiveFile(bytestream, { ...common, ...(await placed(req.sink.dir, offer)), overwrite: req.sink.existing === 'overwrite', keepPartial: req.sink.keepPartial, ...(offer.resumeClaim ? { resume: { key: resumeKey(offer), offset: offer.resumeFrom ?? 0 } } : {}) });
          progress.flush();
          if (saved.path !== undefined) result.saved.push(saved.path);
          const seconds = (Date.now() - started) / 1000;
          await jingle?.incoming.finish();
          const hash = verifier?.outcome();
          const how = jingle ? { protocol: 'jingle' as const, transport: jingle.incoming.transport, ...(hash ? { hash } : {}) } : { protocol: 'si' as const };
          req.onEvent({ kind: 'done', sid: offer.sid, peer: offer.from, file: offer.file, bytes: saved.bytes, seconds, ...(saved.path ? { path: saved.path } : { stdout: true }), ...(offer.resumeFrom ? { resumedFrom: offer.resumeFrom } : {}), ...how });
          if (offer.resumeClaim) releaseResume(offer.resumeClaim.dir, offer.resumeClaim.name);
          if (saved.path !== undefined) await req.afterSave?.(saved.path);
          transferEnded();
        } catch (err) {
          const error = toXep65Error(err);
          await jingle?.incoming.finish(error);
          fail(offer, error);
        }
      };
      const track = (job: Promise<void>) => {
        inFlight.add(job);
        void job.finally(() => inFlight.delete(job));
      };

      caps = serveClientInfo(xmpp, [...FILE_TRANSFER_FEATURES, ...(req.ibb ? [NS_IBB] : []), ...jingleFeatures(req.ibb)]);
      if (req.approveSubscription) approveSubscriptions(xmpp, req.approveSubscription, req.onEvent);
      const ibbReceiver = req.ibb ? serveIbbReceiver(xmpp, req.onEvent) : undefined;
      serveJingleReceiver({
        xmpp,
        router: serveJingle(xmpp),
        dial: dialSocks5,
        ...(listener ? { listener } : {}),
        direct: ownCandidates(xmpp.jid, req, listener),
        ...(ibbReceiver ? { ibb: ibbReceiver } : {}),
        limits: new OfferLimits(),
        decide: (offer) => decideWithSink(req, offer),
        ...(req.sink.kind === 'dir' && req.sink.resume ? { resumeOffset: (offer: IncomingOffer) => resumeOffset(offer) } : {}),
        onStream: (offer, incoming) => track(save(offer, incoming.bytestream, { incoming, description: offer.description })),
        onFailed: fail,
        onEvent: req.onEvent,
        timings: { iqMs: TIMEOUTS.iqMs, staggerMs: TIMEOUTS.staggerMs, perHostMs: TIMEOUTS.perHostMs, connectBudgetMs: TIMEOUTS.connectBudgetMs, negotiationMs: TIMEOUTS.streamhostOfferMs, ibbFallbackMs: TIMEOUTS.ibbFallbackMs },
        signal,
      });
      target = serveSiReceiver({
        xmpp,
        dial: dialSocks5,
        ...(ibbReceiver ? { ibbReceiver } : {}),
        decide: (offer) => decideWithSink(req, offer),
        ...(req.sink.kind === 'dir' && req.sink.resume ? { resumeOffset: (offer: IncomingOffer) => resumeOffset(offer) } : {}),
        onStream: (offer, bytestream) => track(save(offer, bytestream)),
        onFailed: fail,
        onEvent: req.onEvent,
        streamhostOfferTimeoutMs: TIMEOUTS.streamhostOfferMs,
        ibb: req.ibb,
        ibbFallbackWaitMs: TIMEOUTS.ibbFallbackMs,
        staggerMs: TIMEOUTS.staggerMs,
        perHostTimeoutMs: TIMEOUTS.perHostMs,
        connectBudgetMs: TIMEOUTS.connectBudgetMs,
        signal,
      });
      // A lost XMPP connection ends the receive, but bytestreams already open do not need it:
      // they finish (or fail on their own) first; in-band streams cannot go on and fail now.
      xmpp.onClosed((error) => {
        target?.abandon(error);
        void Promise.allSettled([...inFlight]).then(() => reject(error));
      });
      if (req.deadlineMs !== undefined) {
        const timer = setTimeout(() => (inFlight.size === 0 ? resolve() : void Promise.allSettled([...inFlight]).then(() => resolve())), req.deadlineMs);
        signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      }
      signal.addEventListener('abort', () => reject(new Xep65Error('aborted', 'interrupted')), { once: true });
    });
    if (req.sink.kind === 'dir') await cleanUp(req.sink.dir);
    await xmpp.sendPresence(buildPresence(req.priority ?? OUR_PRIORITY, caps));
    req.onEvent({ kind: 'ready', jid: xmpp.jid });
    await finished;
    await target?.drain(TIMEOUTS.ibbCloseMs);
    if (req.deadlineMs !== undefined && ended === 0) {
      throw new Xep65Error('timeout', `no file arrived within ${Math.round(req.deadlineMs / 1000)} s`);
    }
    return result;
  } finally {
    stop.abort();
    await Promise.allSettled([...inFlight]); // let interrupted transfers remove their part files
    await listener?.close();
    await xmpp.close();
  }
}

function ownCandidates(jid: string, req: ReceiveRequest, listener: StreamhostListenerPort | undefined): Streamhost[] {
  if (!listener || !req.direct.enabled) return [];
  const hosts: AdvertisedHost[] = req.direct.hosts ?? localAddresses().map((host) => ({ host }));
  return hosts.map((h) => ({ jid, host: h.host, port: h.port ?? listener.port }));
}

/** --skip-existing declines an offer whose file is already there; otherwise the accept policy decides. */
/** What makes two offers the same file (issue 14): sender's bare JID, name, size, and date or hash. */
function resumeKey(offer: IncomingOffer & { description?: FileDescription }): ResumeKey {
  const { file } = offer;
  const sha256 = offer.description?.hashes.find((h) => h.algo === 'sha-256');
  const hash = sha256 ? `sha-256:${sha256.value}` : file.hash ? `md5:${file.hash}` : undefined;
  return { from: bareJid(offer.from), name: file.name, size: file.size, ...(file.date ? { date: file.date } : {}), ...(hash ? { hash } : {}) };
}

async function decideWithSink(req: ReceiveRequest, offer: IncomingOffer): Promise<boolean> {
  if (req.sink.kind === 'dir' && req.sink.existing === 'skip') {
    const parts = safeRelativePath(offer.file.name);
    if (existsSync(path.join(req.sink.dir, ...parts))) return false;
  }
  return req.decide(offer);
}
