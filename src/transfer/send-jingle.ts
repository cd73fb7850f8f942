// Sending by Jingle File Transfer (XEP-0234): the offer with the file's SHA-256 announced
// (<hash-used/>, or the value itself with --hash), the transport the session front-end negotiated,
// the SHA-256 computed from the chunks as they are read (no second read of the file), and
// <checksum/> after the last byte; delivered when the receiver ends the session with <success/>.
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Xep65Error } from '../errors.js';
import { dedupeCandidates } from '../session/bytestream/candidate.js';
import type { HashOutcome } from '../session/events.js';
import { sendByJingle, type JingleOutgoing } from '../session/jingle/initiator.js';
import type { JingleRouter } from '../session/jingle/router.js';
import type { FileDescription } from '../stanzas/file.js';
import { hashFromDigest } from '../stanzas/hashes.js';
import { hashFileRange } from '../transport/file-hash.js';
import { sendFile } from '../transport/send-file.js';
import { dialSocks5 } from '../transport/socks5-client.js';
import { sendFileInBand } from './ibb-send.js';
import type { SendContext, SendResult } from './send-context.js';
import { throttle } from './throttle.js';
import { TIMEOUTS } from './timeouts.js';

export async function sendByJingleTo(ctx: SendContext, router: JingleRouter): Promise<SendResult> {
  const { xmpp, req, file, lost, phase } = ctx;
  const description: FileDescription = {
    name: file.name,
    size: file.size,
    hashes: [],
    ...(file.mimeType ? { mediaType: file.mimeType } : {}),
    ...(file.date ? { date: file.date } : {}),
    // Always <range/>: the responder may ask for only what it lacks (XEP-0234 §6.4, issue 14).
    range: { offset: 0 },
  };
  if (ctx.digests) description.hashes.push(hashFromDigest('sha-256', ctx.digests.sha256));
  else description.hashUsed = ['sha-256'];
  const direct = dedupeCandidates(ctx.direct);
  const proxies = dedupeCandidates(ctx.proxies).filter((p) => !direct.some((d) => d.host === p.host && d.port === p.port));
  const outgoing = await Promise.race([
    sendByJingle({
      xmpp,
      router,
      dial: dialSocks5,
      ...(ctx.listener ? { listener: ctx.listener } : {}),
      peer: req.to,
      file: description,
      direct,
      proxies,
      ibb: req.ibb,
      offerTimeoutMs: req.offerTimeoutMs,
      timings: { iqMs: TIMEOUTS.iqMs, staggerMs: TIMEOUTS.staggerMs, perHostMs: TIMEOUTS.perHostMs, connectBudgetMs: TIMEOUTS.connectBudgetMs, negotiationMs: TIMEOUTS.streamhostAnswerMs },
      onEvent: req.onEvent,
      ...(req.signal ? { signal: req.signal } : {}),
    }),
    lost,
  ]);
  phase('negotiation');
  const started = Date.now();
  try {
    const { bytes, hash } = await Promise.race([stream(ctx, outgoing), lost]);
    phase('data');
    const seconds = (Date.now() - started) / 1000;
    const sid = outgoing.sid;
    const resumed = outgoing.range ? { resumedFrom: outgoing.range.offset } : {};
    req.onEvent({ kind: 'done', sid, peer: req.to, file, bytes, seconds, protocol: 'jingle', transport: outgoing.transport, hash, ...resumed });
    return { sid, file, bytes, seconds, protocol: 'jingle', transport: outgoing.transport, hash };
  } catch (err) {
    throw await outgoing.fail(err);
  }
}

/** The bytes over the negotiated channel, hashed as read; resolves once the receiver confirmed them. */
async function stream(ctx: SendContext, outgoing: JingleOutgoing): Promise<{ bytes: number; hash: HashOutcome }> {
  const { req, file } = ctx;
  const sha256 = createHash('sha256');
  const start = outgoing.range?.offset ?? 0;
  const count = outgoing.range?.length ?? file.size - start;
  // The checksum covers the whole file (XEP-0234 §8.2). Resumed, the whole file is hashed from
  // our copy while the rest goes (hashing what the responder kept first would hold the data
  // back for as long, and the responder would give up waiting); else as the chunks are read.
  const whole = start > 0 ? hashWholeFile(req.file, file.size, sha256) : undefined;
  whole?.catch(() => undefined); // awaited in confirm(); a send that fails first must not leave it unhandled
  const onChunk = whole ? undefined : (chunk: Buffer) => void sha256.update(chunk);
  const progress = throttle((bytes: number) => req.onEvent({ kind: 'progress', sid: outgoing.sid, bytes: start + bytes, total: file.size }));
  const signal = req.signal ? AbortSignal.any([req.signal, outgoing.signal]) : outgoing.signal;
  let hash: HashOutcome | undefined;
  const confirm = async () => {
    await whole;
    const checksum = hashFromDigest('sha-256', sha256.digest());
    hash = { algo: 'sha-256', value: checksum.value, verified: false };
    await outgoing.finish(checksum, TIMEOUTS.closeMs);
    hash.verified = true;
  };
  let bytes: number;
  if (outgoing.channel.kind === 's5b') {
    bytes = await sendFile(req.file, outgoing.channel.bytestream.stream, { size: count, start, closeTimeoutMs: TIMEOUTS.closeMs, onProgress: progress, ...(onChunk ? { onChunk } : {}), afterLastByte: confirm, signal });
  } else {
    bytes = await sendFileInBand(outgoing.channel.writer, req.file, count, { signal, onProgress: progress, ...(onChunk ? { onChunk } : {}), start });
    await confirm();
  }
  progress.flush();
  return { bytes, hash: hash! };
}

/** The whole file into `hash` (a resumed send: the checksum covers what the responder kept). */
async function hashWholeFile(file: string, size: number, hash: Hash): Promise<void> {
  const handle = await open(file, 'r').catch((err: Error) => {
    throw new Xep65Error('io', `cannot read ${file}: ${err.message}`, { cause: err });
  });
  try {
    await hashFileRange(handle.fd, 0, size, hash, file);
  } finally {
    await handle.close();
  }
}
