// Sending by SI (XEP-0096 §3): the offer with its stream methods, then SOCKS5 (XEP-0065, our own
// streamhost and the proxies) or IBB (XEP-0047) when chosen or when no SOCKS5 connection worked
// (XEP-0096 §4 lists IBB as the fallback).
import { randomBytes } from 'node:crypto';
import { NoStreamhostError } from '../errors.js';
import { dedupeCandidates } from '../session/bytestream/candidate.js';
import { openIbb } from '../session/bytestream/ibb-sender.js';
import { offerFile } from '../session/si/offer.js';
import { establishAsRequester } from '../session/si/s5b-requester.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import { NS_BYTESTREAMS, NS_IBB } from '../stanzas/ns.js';
import { sendFile } from '../transport/send-file.js';
import { dialSocks5 } from '../transport/socks5-client.js';
import { sendFileInBand } from './ibb-send.js';
import type { SendContext, SendResult } from './send-context.js';
import { throttle } from './throttle.js';
import { TIMEOUTS } from './timeouts.js';

export async function sendBySi(ctx: SendContext): Promise<SendResult> {
  const { xmpp, req, file, lost, phase } = ctx;
  const opts = { signal: req.signal, timeoutMs: TIMEOUTS.iqMs };
  if (ctx.digests) file.hash = ctx.digests.md5;
  const streamhosts = dedupeCandidates([...ctx.direct, ...ctx.proxies]);
  if (streamhosts.length === 0 && !req.ibb) throw new NoStreamhostError('no streamhost to offer: our own is disabled and no proxy was found', []);

  const sid = `xep65-${randomBytes(8).toString('hex')}`;
  req.onEvent({ kind: 'offer-sent', to: req.to, sid, file, protocol: 'si' });
  const methods = [...(streamhosts.length > 0 ? [NS_BYTESTREAMS] : []), ...(req.ibb ? [NS_IBB] : [])];
  // Always ranged: the receiver may ask for only the part it lacks (XEP-0096 §3.3, issue 14).
  const offered = { ...file, ranged: true };
  const { method, range } = await Promise.race([offerFile(xmpp, req.to, { sid, file: offered, streamMethods: methods }, { ...opts, timeoutMs: req.offerTimeoutMs }), lost]);
  const start = range?.offset ?? 0;
  const count = range?.length ?? file.size - start;
  req.onEvent({ kind: 'accepted', peer: req.to, sid, method, protocol: 'si', ...(start > 0 ? { resumedFrom: start } : {}) });
  phase('offer');

  const started = Date.now();
  const progress = throttle((bytes: number) => req.onEvent({ kind: 'progress', sid, bytes: start + bytes, total: file.size }));
  let streamhost: Streamhost | undefined;
  let bytes: number;
  const established =
    method === NS_BYTESTREAMS
      ? await Promise.race([
          establishAsRequester({
            xmpp,
            dial: dialSocks5,
            ...(ctx.listener ? { listener: ctx.listener } : {}),
            target: req.to,
            sid,
            streamhosts,
            answerTimeoutMs: TIMEOUTS.streamhostAnswerMs,
            connectTimeoutMs: TIMEOUTS.perHostMs * 2,
            ...(req.signal ? { signal: req.signal } : {}),
          }).catch((err: unknown) => {
            if (req.ibb && err instanceof NoStreamhostError) return undefined;
            throw err;
          }),
          lost,
        ])
      : undefined;
  if (established) {
    streamhost = established.streamhost;
    req.onEvent({ kind: 'streamhost-used', sid, streamhost });
    req.onEvent({ kind: 'transport', sid, protocol: 'si', transport: streamhost.jid === xmpp.jid ? 's5b-direct' : 's5b-proxy' });
    phase('negotiation');
    bytes = await sendFile(req.file, established.bytestream.stream, { size: count, start, closeTimeoutMs: TIMEOUTS.closeMs, onProgress: progress, ...(req.signal ? { signal: req.signal } : {}) });
  } else {
    bytes = await Promise.race([
      (async () => {
        const writer = await openIbb(xmpp, req.to, sid, opts);
        req.onEvent({ kind: 'ibb-opened', sid, blockSize: writer.blockSize });
        req.onEvent({ kind: 'transport', sid, protocol: 'si', transport: 'ibb' });
        phase('negotiation');
        return sendFileInBand(writer, req.file, count, { ...(req.signal ? { signal: req.signal } : {}), onProgress: progress, start });
      })(),
      lost,
    ]);
  }
  progress.flush();
  phase('data');
  const seconds = (Date.now() - started) / 1000;
  const transport = streamhost ? (streamhost.jid === xmpp.jid ? 's5b-direct' : 's5b-proxy') : 'ibb';
  req.onEvent({ kind: 'done', sid, peer: req.to, file, bytes, seconds, protocol: 'si', transport, ...(start > 0 ? { resumedFrom: start } : {}) });
  return { sid, file, bytes, seconds, protocol: 'si', transport, ...(streamhost ? { streamhost } : {}) };
}
