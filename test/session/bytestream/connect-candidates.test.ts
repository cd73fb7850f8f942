// The target's streamhost attempts (XEP-0065 §5.3.2): offered order, stagger, first success
// wins, losers cancelled, one error naming every failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { connectToCandidates } from '../../../src/session/bytestream/connect-candidates.js';
import { NoStreamhostError, Xep65Error } from '../../../src/errors.js';
import type { Bytestream, Socks5Dialer } from '../../../src/session/ports.js';

const hosts = ['a', 'b', 'c'].map((h) => ({ jid: `${h}.example`, host: h, port: 1 }));

/** A dialer scripted per host: 'ok' after ms, 'fail' after ms, or 'hang' until aborted. */
function scripted(plan: Record<string, ['ok' | 'fail' | 'hang', number]>, log: string[]): Socks5Dialer {
  return ({ host, signal }) =>
    new Promise<Bytestream>((resolve, reject) => {
      log.push(`start ${host}`);
      const [what, ms] = plan[host]!;
      signal?.addEventListener('abort', () => (log.push(`abort ${host}`), reject(new Xep65Error('aborted', 'cancelled'))));
      if (what === 'hang') return;
      setTimeout(() => (what === 'ok' ? resolve({ stream: new PassThrough() }) : reject(new Error(`${host} refused`))), ms);
    });
}

test('a failed candidate starts the next at once; the first success wins and the rest are cancelled', async () => {
  const log: string[] = [];
  const failed: string[] = [];
  const { candidate: streamhost } = await connectToCandidates(hosts, {
    dstAddr: 'x',
    dial: scripted({ a: ['fail', 1], b: ['ok', 5], c: ['hang', 0] }, log),
    staggerMs: 10_000,
    perHostTimeoutMs: 1000,
    onFailed: (s) => failed.push(s.host),
  });
  assert.equal(streamhost.host, 'b');
  assert.deepEqual(failed, ['a']);
  assert.deepEqual(log.slice(0, 2), ['start a', 'start b']);
});

test('a hanging first candidate does not hold up the second beyond the stagger', async () => {
  const log: string[] = [];
  const { candidate: streamhost } = await connectToCandidates(hosts, {
    dstAddr: 'x',
    dial: scripted({ a: ['hang', 0], b: ['ok', 1], c: ['hang', 0] }, log),
    staggerMs: 20,
    perHostTimeoutMs: 60_000,
  });
  assert.equal(streamhost.host, 'b');
  assert.ok(log.includes('abort a'), 'the hanging candidate is cancelled');
});

test('all fail: one NoStreamhostError with each reason, in offered order', async () => {
  const err = await connectToCandidates(hosts, {
    dstAddr: 'x',
    dial: scripted({ a: ['fail', 1], b: ['fail', 2], c: ['fail', 3] }, []),
    staggerMs: 1,
    perHostTimeoutMs: 1000,
  }).catch((e: unknown) => e);
  assert.ok(err instanceof NoStreamhostError);
  assert.deepEqual(err.failures.map((f) => f.candidate), ['a.example', 'b.example', 'c.example']);
  assert.match(err.message, /a refused.*b refused.*c refused/);
});

test('no streamhost offered, and abort', async () => {
  await assert.rejects(connectToCandidates([], { dstAddr: 'x', dial: scripted({}, []), staggerMs: 1, perHostTimeoutMs: 1 }), NoStreamhostError);
  const controller = new AbortController();
  const pending = connectToCandidates(hosts, { dstAddr: 'x', dial: scripted({ a: ['hang', 0], b: ['hang', 0], c: ['hang', 0] }, []), staggerMs: 1, perHostTimeoutMs: 1, signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, (e: Xep65Error) => e.code === 'aborted');
});

test('the earliest-listed success wins when it completes within the grace period', async () => {
  const log: string[] = [];
  const { candidate: streamhost } = await connectToCandidates(hosts, {
    dstAddr: 'x',
    dial: scripted({ a: ['ok', 60], b: ['ok', 1], c: ['hang', 0] }, log),
    staggerMs: 1,
    perHostTimeoutMs: 1000,
    graceMs: 500,
  });
  assert.equal(streamhost.host, 'a');
});

test('a later success does not wait for a silent earlier candidate beyond the grace period', async () => {
  const log: string[] = [];
  const { candidate: streamhost } = await connectToCandidates(hosts, {
    dstAddr: 'x',
    dial: scripted({ a: ['hang', 0], b: ['ok', 1], c: ['hang', 0] }, log),
    staggerMs: 1,
    perHostTimeoutMs: 60_000,
    graceMs: 30,
  });
  assert.equal(streamhost.host, 'b');
  assert.ok(log.includes('abort a'));
});

test('one shared budget: early candidates get what is left of it, late ones at least the minimum', async () => {
  const timeouts: number[] = [];
  await connectToCandidates(hosts, {
    dstAddr: 'x',
    dial: async ({ timeoutMs, host }) => {
      timeouts.push(timeoutMs);
      if (host !== 'c') throw new Error('refused');
      return { stream: new PassThrough() };
    },
    staggerMs: 1,
    perHostTimeoutMs: 100,
    budgetMs: 10_000,
  });
  assert.equal(timeouts.length, 3);
  assert.ok(timeouts[0]! > 9000 && timeouts[0]! <= 10_000, `first gets the budget: ${timeouts[0]}`);
  assert.ok(timeouts.every((t) => t >= 100));
});
