// Our proxy under load (issue 13 item 3), as behaviour, not timing: 200 streams at once through a
// real `xep65 proxy` component of a private Prosody, each activated by one logged-in requester
// (XEP-0065 §6.3.5), each with its own content, all relayed intact; the proxy stays healthy. The
// load generator is the bench's (scripts/bench/proxy-streams.ts). 200 streams are 400 SOCKS5
// connections from 127.0.0.1, over the default --max-per-address 256: the test raises it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { connectAccount } from '../../src/xmpp/connect-account.js';
import type { XmppSession } from '../../src/xmpp/connect.js';
import type { Streamhost } from '../../src/stanzas/bytestreams.js';
import { checker, proxyStreamhost, relayStreams, seededBytes, type StreamPlan } from '../../scripts/bench/proxy-streams.js';

const SECRET = 'many-streams-secret';
const PASSWORD = 'alice-many';
const STREAMS = 200;
const KiB = 1024;

/** 64 KiB to 256 KiB, spread over the range (not multiples of any read size), content from the sid. */
function plans(prefix: string, count: number): StreamPlan[] {
  return Array.from({ length: count }, (_, i) => {
    const sid = `${prefix}-${i}`;
    const bytes = 64 * KiB + ((i * 7919) % (192 * KiB + 1));
    return { sid, bytes, pattern: seededBytes(sid, bytes) };
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('the stream checker finds a changed byte and bytes past the end, in full and sampled mode', () => {
  const plan: StreamPlan = { sid: 'check', bytes: 1000, pattern: seededBytes('check', 300) };
  const content = Buffer.concat([plan.pattern, plan.pattern, plan.pattern, plan.pattern]).subarray(0, 1000);
  for (const verify of ['full', 'sampled'] as const) {
    const check = checker(plan, verify);
    assert.equal(check(content.subarray(250, 700), 250), undefined, 'a read across two pattern wraps');
    const bad = Buffer.from(content.subarray(250, 700));
    bad[0]! ^= 1; // the first byte of a read: inside the sample too
    assert.equal(check(bad, 250)?.code, 'integrity');
    assert.equal(check(content.subarray(900, 1000), 901)?.code, 'integrity', 'one byte too many');
  }
  const middle = Buffer.from(content.subarray(0, 1000));
  middle[500]! ^= 0x80;
  assert.equal(checker(plan, 'full')(middle, 0)?.code, 'integrity');
});

describe(`our proxy relays ${STREAMS} streams at once`, () => {
  let prosody: PrivateProsody;
  let proxy: RunningCli;
  let proxyJid: string;
  let alice: XmppSession;
  let streamhost: Streamhost;
  let stdout = '';
  const events = () => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const closed = () => events().filter((e) => e.event === 'stream-closed');
  const target = () => `bob@${prosody.domain}/many`;

  before(async () => {
    prosody = await startProsody({ accounts: [{ user: 'alice', password: PASSWORD }], componentSecret: SECRET });
    proxyJid = prosody.componentJid!;
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', XEP65_COMPONENT_SECRET: SECRET };
    proxy = startCli(
      ['proxy', '--component', proxyJid, '--server', `127.0.0.1:${prosody.componentPort}`, '--listen', '127.0.0.1:0', '--json', '--max-per-address', '1024'],
      env,
      120_000,
    );
    proxy.child.stdout!.on('data', (d: Buffer | string) => (stdout += String(d)));
    await proxy.waitForStdout(/"event":"proxy-ready"/);
    const [host, port] = prosody.server.split(':');
    alice = await connectAccount({
      jid: `alice@${prosody.domain}`, password: PASSWORD, resource: 'many', server: { host: host!, port: Number(port) },
      ca: await readFile(prosody.caFile, 'utf8'), timeoutMs: 20_000,
    });
    streamhost = await proxyStreamhost(alice, proxyJid);
  });

  after(async () => {
    await alice?.close();
    if (proxy && proxy.child.exitCode === null && proxy.child.signalCode === null) {
      proxy.child.kill('SIGTERM');
      await proxy.done;
    }
    await prosody?.stop();
  });

  test(`${STREAMS} streams of 64-256 KiB, each its own content, all arrive intact (SHA-256 per stream) and are logged`, async () => {
    const streams = plans('many', STREAMS);
    const results = await relayStreams({ xmpp: alice, proxyJid, streamhost, target: target(), streams, verify: 'full', hash: true, timeoutMs: 40_000 });
    assert.equal(results.length, STREAMS);
    results.forEach((r, i) => {
      assert.equal(r.sid, streams[i]!.sid);
      assert.equal(r.bytes, streams[i]!.bytes, r.sid);
      assert.equal(r.sha256, sha256(streams[i]!.pattern), r.sid);
    });
    // A stream is logged once both of its connections closed, which may come just after the target saw the end.
    await waitUntil(() => closed().length >= STREAMS);
    const records = new Map(closed().map((e) => [String(e.sid), e]));
    assert.equal(records.size, STREAMS);
    for (const s of streams) {
      const record = records.get(s.sid);
      assert.ok(record, `no stream-closed record for ${s.sid}`);
      assert.deepEqual([record.bytes, record.bytesBack, record.reason, record.target], [s.bytes, 0, 'end', target()], s.sid);
    }
  });

  test('afterwards the proxy is healthy: one more stream works, and it stops cleanly with nothing left open', async (t) => {
    const [one] = plans('after', 1);
    const [result] = await relayStreams({ xmpp: alice, proxyJid, streamhost, target: target(), streams: [one!], verify: 'full', hash: true, timeoutMs: 10_000 });
    assert.equal(result!.sha256, sha256(one!.pattern));
    await waitUntil(() => closed().length >= STREAMS + 1);
    // VmHWM, not the stats record: getrusage()'s maxRSS also counts our own RSS when we spawned it.
    t.diagnostic(`proxy peak RSS ${Math.round(vmHwmBytes(proxy.child.pid!) / 2 ** 20)} MiB after ${STREAMS} streams at once`);
    proxy.child.kill('SIGTERM');
    const exit = await proxy.done;
    assert.equal(exit.code, 0, exit.stderr);
    const counters = events().filter((e) => e.event === 'counters').at(-1)?.counters as Record<string, number>;
    assert.deepEqual(
      [counters.connections, counters.waiting, counters.active, counters.activated, counters.completed],
      [0, 0, 0, STREAMS + 1, STREAMS + 1],
      JSON.stringify(counters),
    );
    assert.deepEqual([counters.refusedConnections, counters.expired, counters.failedActivations], [0, 0, 0], JSON.stringify(counters));
  });
});

function vmHwmBytes(pid: number): number {
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
