// Small fixes and helpers around an xmpp.js connection entity, shared by the client
// connection (connect.ts) and the XEP-0114 component connection (component.ts).
import { StringDecoder } from 'node:string_decoder';
import { Xep65Error } from '../errors.js';

interface DataEntity {
  _onData(data: Buffer): void;
  parser: { write(s: string): void } | null;
}

/**
 * xmpp.js decodes each read on its own and breaks characters split across reads; and its parser
 * (ltx) walks a read that is all text (no '<') one character at a time, ~60 ns a character: an
 * IBB block of 87 KB of base64 arrives in ~11 such reads. So reads go to the parser cut after
 * their last '<' or '>', the text after it held back until markup follows (textRuns).
 */
export function fixUtf8Decoding(entity: DataEntity, onData?: () => void): void {
  const decoder = new StringDecoder('utf8');
  let parser = entity.parser;
  let feed = textRuns((s) => entity.parser?.write(s));
  entity._onData = (data: Buffer) => {
    // A restarted stream has a new parser: text held back for the old one (whitespace after
    // <success/>) belongs to the old stream and must not come before the new `<?xml?>`.
    if (entity.parser !== parser) {
      parser = entity.parser;
      feed = textRuns((s) => entity.parser?.write(s));
    }
    feed(decoder.write(data));
    onData?.();
  };
}

/** Text held back at most: past this, it goes to the parser as it is (slow, but bounded). */
const MAX_HELD_TEXT = 1 << 20;

/**
 * Passes on each piece up to its last '<' or '>', and holds back what follows: text (or the
 * inside of a tag) that markup will end. A stanza always ends with '>', so none is held back.
 */
export function textRuns(write: (s: string) => void): (s: string) => void {
  let held = '';
  return (s) => {
    const cut = Math.max(s.lastIndexOf('<'), s.lastIndexOf('>')) + 1;
    if (cut === 0 && held.length + s.length <= MAX_HELD_TEXT) {
      held += s;
      return;
    }
    const end = cut === 0 ? s.length : cut;
    const out = held + s.slice(0, end);
    held = s.slice(end);
    if (out !== '') write(out);
  };
}

export function withDeadline<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Xep65Error('timeout', `no answer within ${Math.round(ms / 1000)} s`)), ms);
    const onAbort = () => reject(new Xep65Error('aborted', 'cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

/** The raw TCP socket, or the TLS socket inside xmpp.js's wrapper. */
export function destroySocket(socket: unknown): void {
  type Destroyable = { destroy?: () => void; socket?: Destroyable } | null | undefined;
  const raw = (socket as Destroyable)?.socket ?? (socket as Destroyable);
  raw?.destroy?.();
}

