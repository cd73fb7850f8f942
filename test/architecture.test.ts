// The layers of ARCHITECTURE.md, kept by scanning imports: data flows CLI → use case →
// session → (stanzas, socks5) and transport; only xmpp/ touches xmpp.js's connection parts.
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

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')).map((e) => path.join(e.parentPath, e.name));
}

test('each layer imports only the layers below it', async () => {
  const violations: string[] = [];
  for (const file of await sourceFiles(SRC)) {
    const layer = path.relative(SRC, file).split(path.sep)[0]!;
    if (!(layer in ALLOWED)) continue;
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)( type)? [^;]*? from '\.\.\/([a-z0-9-]+)[./]/gm)) {
      const [, typeOnly, target] = m;
      if (target === layer) continue;
      const allowed = [...ALLOWED[layer]!, ...(typeOnly ? TYPE_ONLY_EXTRA : [])];
      if (!allowed.includes(target!)) violations.push(`${path.relative(SRC, file)} imports ${target}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('only src/xmpp/ imports xmpp.js connection packages; pure layers import no I/O modules', async () => {
  const violations: string[] = [];
  for (const file of await sourceFiles(SRC)) {
    const rel = path.relative(SRC, file);
    const text = await readFile(file, 'utf8');
    const xmppPackages = [...text.matchAll(/from '(@xmpp\/[a-z-]+)/g)].map((m) => m[1]).filter((p) => p !== '@xmpp/xml');
    if (xmppPackages.length > 0 && !rel.startsWith(`xmpp${path.sep}`)) violations.push(`${rel} imports ${xmppPackages.join(', ')}`);
    if (/^(socks5|stanzas)\//.test(rel.replaceAll(path.sep, '/')) && /from 'node:(net|fs|fs\/promises|dgram|tls|child_process)'/.test(text)) {
      violations.push(`${rel} does I/O`);
    }
  }
  assert.deepEqual(violations, []);
});
