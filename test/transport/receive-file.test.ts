// The receive data path: exactly `size` bytes, MD5 checked when offered, the part file renamed
// only when complete and removed on every failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { receiveFile } from '../../src/transport/receive-file.js';
import { removeStaleParts } from '../../src/transport/file-sink.js';
import { safeFileName } from '../../src/transport/safe-name.js';
import { Xep65Error } from '../../src/errors.js';

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xep65-rf-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const base = { overwrite: false, idleTimeoutMs: 5000, endGraceMs: 100 };

test('complete data with a matching MD5 is saved under its name; data in odd chunks', () =>
  withDir(async (dir) => {
    const data = Buffer.from('hello, bytestream world');
    const stream = new PassThrough();
    const done = receiveFile({ stream: stream }, { ...base, dir, name: 'a.txt', size: data.length, md5: createHash('md5').update(data).digest('hex') });
    for (let i = 0; i < data.length; i += 5) stream.write(data.subarray(i, i + 5));
    const result = await done;
    assert.equal(result.path, path.join(dir, 'a.txt'));
    assert.deepEqual(await readFile(result.path), data);
    assert.deepEqual(await readdir(dir), ['a.txt']);
  }));

test('MD5 mismatch: integrity error and no file left', () =>
  withDir(async (dir) => {
    const stream = new PassThrough();
    const done = receiveFile({ stream: stream }, { ...base, dir, name: 'a.txt', size: 3, md5: '0'.repeat(32) });
    stream.end('abc');
    await assert.rejects(done, (e: Xep65Error) => e.code === 'integrity');
    assert.deepEqual(await readdir(dir), []);
  }));

test('a stream that ends early: stream-broken and no part file', () =>
  withDir(async (dir) => {
    const stream = new PassThrough();
    const done = receiveFile({ stream: stream }, { ...base, dir, name: 'a.txt', size: 10 });
    stream.end('abc');
    await assert.rejects(done, (e: Xep65Error) => e.code === 'stream-broken' && /3 of 10/.test(e.message));
    assert.deepEqual(await readdir(dir), []);
  }));

test('more bytes than offered: integrity error', () =>
  withDir(async (dir) => {
    const stream = new PassThrough();
    const done = receiveFile({ stream: stream }, { ...base, dir, name: 'a.txt', size: 2 });
    stream.write('abc');
    await assert.rejects(done, (e: Xep65Error) => e.code === 'integrity');
    assert.deepEqual(await readdir(dir), []);
  }));

test('a byte beyond the offered size in a later chunk fails the same way (issue 10: TCP split)', () =>
  withDir(async (dir) => {
    const stream = new PassThrough();
    const done = receiveFile({ stream: stream }, { ...base, endGraceMs: 5000, dir, name: 'a.txt', size: 3 });
    stream.write('abc');
    await new Promise((r) => setTimeout(r, 20));
    stream.write('d');
    await assert.rejects(done, (e: Xep65Error) => e.code === 'integrity' && /more than the 3 bytes/.test(e.message));
    assert.deepEqual(await readdir(dir), []);
  }));

test('a sender that keeps the stream open after the last byte: saved after the grace; one that ends: saved at once', () =>
  withDir(async (dir) => {
    const open = new PassThrough();
    const started = Date.now();
    const kept = receiveFile({ stream: open }, { ...base, endGraceMs: 300, dir, name: 'open.txt', size: 3 });
    open.write('abc');
    assert.deepEqual(await readFile((await kept).path), Buffer.from('abc'));
    assert.ok(Date.now() - started >= 250, 'committed only after the grace');
    const ended = new PassThrough();
    const atOnce = receiveFile({ stream: ended }, { ...base, endGraceMs: 60_000, dir, name: 'ended.txt', size: 3 });
    ended.end('abc');
    assert.deepEqual(await readFile((await atOnce).path), Buffer.from('abc'));
  }));

test('an empty offer: a byte fails it, an end saves it', () =>
  withDir(async (dir) => {
    const bad = new PassThrough();
    const refused = receiveFile({ stream: bad }, { ...base, endGraceMs: 5000, dir, name: 'bad', size: 0 });
    bad.write('x');
    await assert.rejects(refused, (e: Xep65Error) => e.code === 'integrity');
    const good = new PassThrough();
    const saved = receiveFile({ stream: good }, { ...base, endGraceMs: 5000, dir, name: 'good', size: 0 });
    good.end();
    assert.equal((await readFile((await saved).path)).length, 0);
    assert.deepEqual(await readdir(dir), ['good']);
  }));

test('aborted mid-transfer (Ctrl-C): the part file is removed', () =>
  withDir(async (dir) => {
    const stream = new PassThrough();
    const controller = new AbortController();
    const done = receiveFile({ stream: stream }, { ...base, dir, name: 'a.txt', size: 100, signal: controller.signal });
    stream.write('some');
    await new Promise((r) => setTimeout(r, 20));
    const [part] = await readdir(dir);
    assert.match(part!, new RegExp(`^\\.a\\.txt\\.xep65-${process.pid}-[0-9a-f]{8}\\.part$`), 'a hidden part file no offered name can reach');
    controller.abort();
    await assert.rejects(done, (e: Xep65Error) => e.code === 'aborted');
    assert.deepEqual(await readdir(dir), []);
  }));

test('an existing file is kept: the new one is "name (1).ext"; with overwrite it is replaced', () =>
  withDir(async (dir) => {
    await writeFile(path.join(dir, 'a.txt'), 'old');
    const s1 = new PassThrough();
    const first = receiveFile({ stream: s1 }, { ...base, dir, name: 'a.txt', size: 3 });
    s1.write('new');
    assert.equal((await first).path, path.join(dir, 'a (1).txt'));
    assert.equal(await readFile(path.join(dir, 'a.txt'), 'utf8'), 'old');
    const s2 = new PassThrough();
    const second = receiveFile({ stream: s2 }, { ...base, dir, name: 'a.txt', size: 3, overwrite: true });
    s2.write('NEW');
    assert.equal((await second).path, path.join(dir, 'a.txt'));
    assert.equal(await readFile(path.join(dir, 'a.txt'), 'utf8'), 'NEW');
  }));

test('a zero-byte file is saved without waiting for data', () =>
  withDir(async (dir) => {
    const result = await receiveFile({ stream: new PassThrough() }, { ...base, dir, name: 'empty', size: 0 });
    assert.deepEqual(await readFile(result.path), Buffer.alloc(0));
  }));

// Issue 10 #3: an offer named `x.part` that finished while `x` was under way replaced x's part
// file (rename by path), and x was then "saved" with the other sender's bytes. Part files now live
// in a namespace no offered name reaches (a leading dot), so --overwrite keeps its plain meaning.
test('--overwrite: an offer named x.part (or like a part file) cannot touch the part file of transfer x', () =>
  withDir(async (dir) => {
    const sx = new PassThrough();
    const x = receiveFile({ stream: sx }, { ...base, dir, name: 'x', size: 6, overwrite: true });
    sx.write('abc');
    await new Promise((r) => setTimeout(r, 20));
    const [xPart] = await readdir(dir);
    for (const name of ['x.part', safeFileName(xPart!)]) {
      const sp = new PassThrough();
      const hostile = receiveFile({ stream: sp }, { ...base, dir, name, size: 4, overwrite: true });
      sp.write('EVIL');
      const saved = await hostile;
      assert.notEqual(saved.path, path.join(dir, xPart!));
      assert.equal(await readFile(saved.path, 'utf8'), 'EVIL');
    }
    sx.write('def');
    assert.equal((await x).path, path.join(dir, 'x'));
    assert.equal(await readFile(path.join(dir, 'x'), 'utf8'), 'abcdef');
  }));

test('--keep-partial: a failed transfer leaves name.part, never replacing a file of that name', () =>
  withDir(async (dir) => {
    await writeFile(path.join(dir, 'k.part'), 'mine');
    const s = new PassThrough();
    const done = receiveFile({ stream: s }, { ...base, dir, name: 'k', size: 10, keepPartial: true });
    s.end('abc');
    await assert.rejects(done, (e: Xep65Error) => e.code === 'stream-broken');
    assert.deepEqual((await readdir(dir)).sort(), ['k (1).part', 'k.part']);
    assert.equal(await readFile(path.join(dir, 'k (1).part'), 'utf8'), 'abc');
    assert.equal(await readFile(path.join(dir, 'k.part'), 'utf8'), 'mine');
  }));

test('part files of a receiver that is gone (SIGKILL) are removed; a live one, ours and look-alikes stay', () =>
  withDir(async (dir) => {
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']);
    const deadPid = Number(String(dead.stdout).trim());
    const names = {
      stale: `.big.iso.xep65-${deadPid}-0123abcd.part`,
      live: `.other.xep65-${process.ppid}-0123abcd.part`,
      ours: `.mine.xep65-${process.pid}-0123abcd.part`,
      user: `notes.part`,
      lookAlike: `.x.xep65-${deadPid}-nothex!.part`,
    };
    for (const name of Object.values(names)) await writeFile(path.join(dir, name), 'x');
    assert.deepEqual(await removeStaleParts(dir), [path.join(dir, names.stale)]);
    assert.deepEqual((await readdir(dir)).sort(), [names.live, names.ours, names.user, names.lookAlike].sort());
  }));

test('a part file replaced under us is never committed under the final name', () =>
  withDir(async (dir) => {
    const s = new PassThrough();
    const done = receiveFile({ stream: s }, { ...base, dir, name: 'y', size: 3 }).catch((e: Xep65Error) => e);
    s.write('ab');
    await new Promise((r) => setTimeout(r, 20));
    const [part] = await readdir(dir);
    await writeFile(path.join(dir, 'y.new'), 'BAD');
    await rename(path.join(dir, 'y.new'), path.join(dir, part!));
    s.write('c');
    const err = (await done) as Xep65Error;
    assert.equal(err.code, 'io');
    assert.match(err.message, /replaced/);
    assert.ok(!(await readdir(dir)).includes('y'));
  }));

test('a bytestream with its own reader (readInto) is read through it, not through the stream (W3: the fast path is a field, not a registry)', () =>
  withDir(async (dir) => {
    const stream = new PassThrough(); // never written: every byte must come through readInto
    let calls = 0;
    const readInto = (consume: (chunk: Buffer) => void) => {
      calls++;
      const done = (async () => {
        for (const part of ['fast ', 'path']) consume(Buffer.from(part));
        stream.end();
      })();
      return { done, stop: () => undefined };
    };
    const saved = await receiveFile({ stream, readInto }, { ...base, dir, name: 'f.txt', size: 9 });
    assert.equal(calls, 1);
    assert.equal(await readFile(saved.path, 'utf8'), 'fast path');
  }));
