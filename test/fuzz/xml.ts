// Stanza inputs for the fuzz targets. Elements come the way xmpp.js hands them to us: parsed by
// @xmpp/xml's Parser inside a <stream:stream> (so a stanza's parent is the stream and a child
// without xmlns inherits jabber:client), then the payload is the IQ's first child element. Inputs
// are valid stanzas damaged as text (then re-parsed) or as trees (attributes, children, names,
// namespaces, text), or random trees made of the family's vocabulary.
import xml, { Element, Parser } from '@xmpp/xml';
import { mutateText, nastyValue, randomText } from './mutate.js';
import type { Rng } from './prng.js';

const STREAM_OPEN = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.test' version='1.0'>";

export interface Vocabulary {
  names: readonly string[];
  attrs: readonly string[];
  namespaces: readonly string[];
}

/** A valid payload (built by the module's own builders) and what its decoder should give back. */
export interface Seed<R> {
  payload: Element;
  expected?: R;
  /** The IQ's type; 'error' for error stanzas. */
  type?: string;
}

export interface StanzaInput<R> {
  /** The stanza text, when the input came from text (shown in reports). */
  text?: string;
  stanza: Element;
  /** Set only when the stanza is an undamaged seed. */
  expected?: R;
}

const XML_TOKENS = ['<', '>', '/>', '</', '"', "'", '=', '&', '&amp;', '&lt;', '&#65;', '&#x10FFFF;', '<![CDATA[x]]>', '<!-- c -->', '<?pi?>', ' ', 'xmlns=', 'xml:lang="en"', ':'];

/**
 * Parses stanza text as xmpp.js does on a stream, in chunks as a socket delivers it; undefined when
 * the XML layer refuses it. Chunks of about sqrt(length): ltx rescans a chunk's unterminated tail
 * (text without '<', a value without its quote) once per character, quadratic in the chunk.
 */
export function parseStanza(text: string): Element | undefined {
  const parser = new Parser();
  let stanza: Element | undefined;
  let failed = false;
  parser.on('element', (el: Element) => (stanza ??= el));
  parser.on('error', () => (failed = true));
  try {
    parser.write(STREAM_OPEN);
    const chunk = Math.max(4096, Math.ceil(Math.sqrt(text.length)));
    for (let at = 0; at < text.length && !failed; at += chunk) parser.write(text.slice(at, at + chunk));
  } catch {
    return undefined; // ltx throws on an unknown entity: the XML layer's business, not a decoder's
  }
  return failed ? undefined : stanza;
}

export function iqText(seed: Seed<unknown>): string {
  return xml('iq', { type: seed.type ?? 'set', from: 'requester@example.test/r', to: 'target@example.test/t', id: 'fz1' }, seed.payload).toString();
}

/** A seed with its stanza text, made once per block of cases. */
export interface PooledSeed<R> {
  seed: Seed<R>;
  text: string;
}

/** One stanza input: 5% the seed itself, then damaged text, damaged trees and random trees. */
export function stanzaInput<R>(rng: Rng, { seed, text }: PooledSeed<R>, others: readonly string[], vocab: Vocabulary): StanzaInput<R> {
  // Giant cases are built as trees: ltx's parser is quadratic in a chunk's unterminated tail.
  const mode = rng.giantCase ? 'tree' : rng.weighted([[5, 'seed'], [45, 'text'], [40, 'tree'], [10, 'random']] as const);
  if (mode === 'seed') return { text, stanza: parseStanza(text)!, ...(seed.expected !== undefined ? { expected: seed.expected } : {}) };
  if (mode === 'text') {
    const tokens = [...XML_TOKENS, ...vocab.names, ...vocab.attrs.map((a) => ` ${a}='`), ...vocab.namespaces];
    for (let attempt = 0; attempt < 3; attempt++) {
      const damaged = mutateText(rng, text, tokens, others);
      const stanza = parseStanza(damaged);
      if (stanza) return { text: damaged, stanza };
    }
  }
  const stanza = parseStanza(text)!;
  if (mode === 'random') {
    stanza.children = [];
    stanza.append(randomTree(rng, vocab, 3));
  }
  for (let n = 1 + rng.below(4); n > 0; n--) mutateTree(rng, stanza, vocab);
  return { stanza };
}

function randomTree(rng: Rng, vocab: Vocabulary, depth: number): Element {
  const el = new Element(rng.pick(vocab.names), randomAttrs(rng, vocab));
  for (let n = rng.below(4); n > 0; n--) {
    if (depth > 0 && rng.chance(0.7)) el.append(randomTree(rng, vocab, depth - 1));
    else el.append(nastyValue(rng));
  }
  return el;
}

function randomAttrs(rng: Rng, vocab: Vocabulary): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (let n = rng.below(4); n > 0; n--) {
    const name = rng.pick(vocab.attrs);
    attrs[name] = name === 'xmlns' ? rng.pick(vocab.namespaces) : nastyValue(rng);
  }
  return attrs;
}

/** Every element of a tree, the root first (bounded, so a deep random tree stays cheap). */
function elements(root: Element, limit = 200): Element[] {
  const out: Element[] = [];
  const stack = [root];
  while (stack.length > 0 && out.length < limit) {
    const el = stack.pop()!;
    out.push(el);
    for (const c of el.children) if (c instanceof Element) stack.push(c);
  }
  return out;
}

function clone(el: Element): Element {
  const copy = new Element(el.name, { ...el.attrs });
  for (const c of el.children) copy.append(c instanceof Element ? clone(c) : c);
  return copy;
}

/** One damage to one element of the tree (never the stanza's own name: xmpp.js routes on it). */
export function mutateTree(rng: Rng, stanza: Element, vocab: Vocabulary): void {
  const all = elements(stanza);
  const el = rng.pick(all.length > 1 && rng.chance(0.8) ? all.slice(1) : all);
  const kids = el.children.filter((c): c is Element => c instanceof Element);
  const attrNames = Object.keys(el.attrs);
  switch (rng.below(13)) {
    case 12: {
      // inflate: an attribute value or the text repeated whole (a huge value of the right shape)
      const name = attrNames.length > 0 && rng.chance(0.5) ? rng.pick(attrNames) : undefined;
      const value = name !== undefined ? String(el.attrs[name]) : el.getText();
      const big = value.repeat(Math.ceil(rng.length() / Math.max(1, value.length)));
      if (name !== undefined) el.attrs[name] = big;
      else el.children = [big, ...kids];
      return;
    }
    case 0:
    case 1: {
      const name = attrNames.length > 0 && rng.chance(0.6) ? rng.pick(attrNames) : rng.pick(vocab.attrs);
      el.attrs[name] = name === 'xmlns' && rng.chance(0.5) ? rng.pick(vocab.namespaces) : nastyValue(rng, String(el.attrs[name] ?? ''));
      return;
    }
    case 2:
      if (attrNames.length > 0) delete el.attrs[rng.pick(attrNames)];
      return;
    case 3: // a duplicate child, right after the original
      if (kids.length > 0) {
        const kid = rng.pick(kids);
        el.children.splice(el.children.indexOf(kid) + 1, 0, clone(kid));
        el.children.forEach((c) => c instanceof Element && (c.parent = el));
      }
      return;
    case 4:
      if (kids.length > 0) el.remove(rng.pick(kids));
      return;
    case 5:
      el.append(randomTree(rng, vocab, rng.below(3)));
      return;
    case 6:
      el.append(rng.chance(0.5) ? nastyValue(rng) : randomText(rng));
      return;
    case 7:
      if (el !== stanza) el.name = rng.weighted([[3, rng.pick(vocab.names)], [1, `x:${rng.pick(vocab.names)}`], [1, nastyValue(rng) || 'x']] as const);
      return;
    case 8: // many copies of one child (hostile fan-out)
      if (kids.length > 0) {
        const kid = rng.pick(kids);
        for (let n = Math.min(rng.length(), 20_000); n > 0; n--) el.append(clone(kid));
      }
      return;
    case 9: // a child moved one level down, into a new wrapper
      if (kids.length > 0) {
        const kid = rng.pick(kids);
        el.remove(kid);
        el.append(xml(rng.pick(vocab.names), {}, kid));
      }
      return;
    case 10: // children in another order
      el.children = el.children.map((c) => [rng.float(), c] as const).sort((a, b) => a[0] - b[0]).map(([, c]) => c);
      return;
    default:
      el.children = [nastyValue(rng, el.getText()), ...kids];
  }
}

/** A stanza for a report: the text it came from, or the tree serialised. */
export function showStanza(input: StanzaInput<unknown>): string {
  return input.text ?? input.stanza.toString();
}
