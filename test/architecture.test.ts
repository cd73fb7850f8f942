// The layers of ARCHITECTURE.md, kept by scanning imports: data flows CLI → use case →
// session → (stanzas, socks5) and transport; only xmpp/ touches xmpp.js's connection parts.
// Inside session/ (DESIGN-REVIEW §3): the shared bytestream layer knows neither front-end, and the
// SI and Jingle front-ends never import each other. No module imports itself through a circle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Which layers each layer may import at run time (type-only imports may also name `session` ports). */
const ALLOWED: Record<string, string[]> = {
  socks5: ['errors'],
  stanzas: ['errors'],
  session: ['errors', 'stanzas', 'socks5'],
  transport: ['errors', 'socks5'],
  xmpp: ['errors', 'stanzas'],
  transfer: ['errors', 'session', 'stanzas', 'transport', 'xmpp'],
  cli: ['errors', 'transfer', 'stanzas'],
};
const TYPE_ONLY_EXTRA = ['session'];

/** Sub-layers of session/ and the session/ folders each must not import. */
const SESSION_FORBIDDEN: Record<string, string[]> = {
  bytestream: ['si', 'jingle'],
  si: ['jingle'],
  jingle: ['si'],
};

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')).map((e) => path.join(e.parentPath, e.name));
}

/** Every relative import of src/, as paths relative to src/ ('session/si/offer.ts'). */
async function imports(): Promise<Import[]> {
  const found: Import[] = [];
  for (const file of await sourceFiles(SRC)) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)( type)? [^;]*? from '(\.{1,2}\/[^']+)\.js'/gm)) {
      const to = path.relative(SRC, path.resolve(path.dirname(file), `${m[2]!}.ts`));
      found.push({ from: path.relative(SRC, file).replaceAll(path.sep, '/'), to: to.replaceAll(path.sep, '/'), typeOnly: m[1] !== undefined });
    }
  }
  return found;
}

const layerOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : file.replace(/\.ts$/, ''));

test('each layer imports only the layers below it', async () => {
  const violations: string[] = [];
  for (const { from, to, typeOnly } of await imports()) {
    const [layer, target] = [layerOf(from), layerOf(to)];
    if (!(layer in ALLOWED) || target === layer) continue;
    const allowed = [...ALLOWED[layer]!, ...(typeOnly ? TYPE_ONLY_EXTRA : [])];
    if (!allowed.includes(target)) violations.push(`${from} imports ${to}`);
  }
  assert.deepEqual(violations, []);
});

test('session/bytestream knows neither SI nor Jingle; session/si and session/jingle never import each other', async () => {
  const violations: string[] = [];
  const subOf = (file: string) => /^session\/([a-z0-9-]+)\//.exec(file)?.[1];
  for (const { from, to } of await imports()) {
    const [sub, target] = [subOf(from), subOf(to)];
    if (sub && target && SESSION_FORBIDDEN[sub]?.includes(target)) violations.push(`${from} imports ${to}`);
  }
  assert.deepEqual(violations, []);
});

test('no import circles, type-only imports included', async () => {
  const graph = new Map<string, string[]>();
  for (const { from, to } of await imports()) graph.set(from, [...(graph.get(from) ?? []), to]);
  const circles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') return void circles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(circles, []);
});

test('the scan sees the imports it checks (a check that finds nothing proves nothing)', async () => {
  const all = await imports();
  assert.ok(all.some((i) => i.from === 'session/si/receiver.ts' && i.to === 'session/bytestream/ibb-receiver.ts'));
  assert.ok(all.some((i) => i.from === 'cli/accept-policy.ts' && i.typeOnly));
  assert.ok(all.length > 200, `${all.length} imports`);
});

test('only src/xmpp/ imports xmpp.js connection packages; pure layers import no I/O modules', async () => {
  const violations: string[] = [];
  for (const file of await sourceFiles(SRC)) {
    const rel = path.relative(SRC, file);
    const text = await readFile(file, 'utf8');
    const xmppPackages = [...text.matchAll(/from '(@xmpp\/[a-z-]+)/g)].map((m) => m[1]).filter((p) => p !== '@xmpp/xml');
    if (xmppPackages.length > 0 && !rel.startsWith(`xmpp${path.sep}`)) violations.push(`${rel} imports ${xmppPackages.join(', ')}`);
    if (/^(socks5|stanzas|session)\//.test(rel.replaceAll(path.sep, '/')) && /from 'node:(net|fs|fs\/promises|dgram|tls|child_process)'/.test(text)) {
      violations.push(`${rel} does I/O`);
    }
  }
  assert.deepEqual(violations, []);
});
