// IQ requests (RFC 6120 §8.2.3) with replies matched by id AND sender: xmpp.js's own caller
// matches by id only, so a reply forged by another entity could be taken (FIELD-NOTES).
import { randomUUID } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import type { Middleware } from '@xmpp/middleware';
import { Xep65Error } from '../errors.js';
import { IqError } from '../stanzas/iq-error.js';

interface Pending {
  to: string;
  resolve(reply: Element): void;
}

export interface IqRequester {
  request(type: 'get' | 'set', to: string, payload: Element, timeoutMs: number, signal?: AbortSignal): Promise<Element | undefined>;
  /** Rejects every request still waiting (the connection closed). */
  failAll(error: Error): void;
}

export function createIqRequester(
  middleware: Middleware,
  send: (stanza: Element) => Promise<void>,
  ownJids: () => { bare: string; domain: string },
): IqRequester {
  const pending = new Map<string, Pending & { reject(err: Error): void }>();
  const aborts = abortWatchers();

  middleware.use((ctx, next) => {
    const { stanza } = ctx;
    const type = stanza.attrs.type;
    if (stanza.name !== 'iq' || (type !== 'result' && type !== 'error')) return next();
    const entry = pending.get(String(stanza.attrs.id));
    if (!entry || !sameSender(stanza.attrs.from, entry.to, ownJids())) return next();
    pending.delete(String(stanza.attrs.id));
    entry.resolve(stanza);
    return undefined;
  });

  async function request(type: 'get' | 'set', to: string, payload: Element, timeoutMs: number, signal?: AbortSignal) {
    signal?.throwIfAborted();
    const id = randomUUID();
    const reply = await new Promise<Element>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        unwatch();
        pending.delete(id);
      };
      const onAbort = () => {
        done();
        reject(new Xep65Error('aborted', 'cancelled', { cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Xep65Error('timeout', `no answer from ${to} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const unwatch = signal ? aborts.watch(signal, onAbort) : () => {};
      pending.set(id, {
        to,
        resolve: (el) => (done(), resolve(el)),
        reject: (err) => (done(), reject(err)),
      });
      send(xml('iq', { type, to, id }, payload)).catch((err: unknown) => {
        done();
        reject(new Xep65Error('connection', `could not send to ${to}`, { cause: err }));
      });
    });
    if (reply.attrs.type === 'error') throw IqError.fromStanza(reply);
    return reply.getChildElements()[0];
  }

  function failAll(error: Error) {
    for (const entry of [...pending.values()]) entry.reject(error);
  }

  return { request, failAll };
}

/**
 * One 'abort' listener per signal however many requests wait on it (an IBB window keeps dozens in
 * flight on one transfer's signal; a listener each would trip Node's MaxListenersExceededWarning).
 */
function abortWatchers() {
  const bySignal = new Map<AbortSignal, { fns: Set<() => void>; fire: () => void }>();
  return {
    watch(signal: AbortSignal, fn: () => void): () => void {
      let entry = bySignal.get(signal);
      if (!entry) {
        const fns = new Set<() => void>();
        const fire = () => {
          bySignal.delete(signal);
          for (const f of [...fns]) f();
        };
        entry = { fns, fire };
        bySignal.set(signal, entry);
        signal.addEventListener('abort', fire, { once: true });
      }
      const { fns, fire } = entry;
      fns.add(fn);
      return () => {
        if (!fns.delete(fn) || fns.size > 0) return;
        signal.removeEventListener('abort', fire);
        if (bySignal.get(signal)?.fns === fns) bySignal.delete(signal);
      };
    },
  };
}

/** A reply must come from where the request went; no 'from' means our own server or account. */
function sameSender(from: unknown, to: string, own: { bare: string; domain: string }): boolean {
  const want = to.toLowerCase();
  if (typeof from !== 'string' || from === '') return want === own.domain || want === own.bare;
  return from.toLowerCase() === want;
}
