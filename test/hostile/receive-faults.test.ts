// Hostile offers against the receiver, part 2: the bytes (XEP-0065 §5.3.3, XEP-0047 §2.2,
// XEP-0096 §3.2 size and hash). The real `xep65 receive` CLI on a private Prosody; the sender is
// played by the test (helpers/raw-offerer.ts): more or fewer bytes than offered, a wrong MD5, IBB
// sequence and encoding faults, hostile streamhosts. Each group runs one receiver through several
// bad offers and a good one, and checks: no file under a final name unless complete and verified,
// no .part left (unless --keep-partial), one line per failure on stderr (no stack, no Node
// wording), the exit status of the README table (5: the stream broke or ended early; 6:
// integrity), and the good offer saved at the end.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import xml from '@xmpp/xml';
import { writeNow } from '../helpers/raw-offerer.js';
import { endWith, failures, listTree, useHostileReceiver } from '../helpers/hostile-receiver.js';
import { NS_BYTESTREAMS } from '../../src/stanzas/ns.js';

describe('hostile offers against xep65 receive: the bytes', () => {
  const rx = useHostileReceiver();

  test('integrity (exit 6): more bytes than offered in the last chunk, a wrong MD5, an IBB block past the size', async () => {
    const content = randomBytes(10_000);
    const result = await rx.receiveGroup(4, async () => {
      const more = Buffer.concat([content, randomBytes(10)]);
      assert.equal(await rx.socks5('more-same-chunk.bin', content, endWith(more)), 'reset');
      const md5 = createHash('md5').update(randomBytes(8)).digest('hex');
      assert.equal(await rx.socks5('wrong-md5.bin', content, endWith(content), { hash: md5 }), 'reset');
      const sid = await rx.ibbOffer('ibb-past-size.bin', 100);
      assert.equal(await rx.ibbData(sid, 0, randomBytes(60)), true);
      await rx.ibbData(sid, 1, randomBytes(60));
      await rx.ibbClose(sid);
      await rx.goodOffer();
    });
    assert.equal(result.code, 6, result.stderr);
    const failed = failures(result.stderr);
    assert.deepEqual([...failed.keys()].sort(), ['ibb-past-size.bin', 'more-same-chunk.bin', 'wrong-md5.bin']);
    assert.match(failed.get('more-same-chunk.bin')!, /more than the 10000 bytes offered/);
    assert.match(failed.get('wrong-md5.bin')!, /MD5 of .* is [0-9a-f]{32}, the sender said [0-9a-f]{32}/);
    assert.match(failed.get('ibb-past-size.bin')!, /more than the 100 bytes offered/);
    assert.deepEqual(await listTree(result.dir), ['good.bin'], 'no final file and no .part for the failed ones');
  });

  test('bytes beyond the offered size in a later TCP write, or in a later IBB block, fail as integrity (exit 6) like those in the last chunk',
    async () => {
      const content = randomBytes(10_000);
      const result = await rx.receiveGroup(3, async () => {
        await rx.socks5('more-later-write.bin', content, async (s) => {
          await writeNow(s, content);
          await sleep(100);
          await writeNow(s, randomBytes(10));
          s.end();
        });
        const sid = await rx.ibbOffer('ibb-later-block.bin', 100);
        await rx.ibbData(sid, 0, randomBytes(100));
        await rx.ibbData(sid, 1, randomBytes(10));
        await rx.ibbClose(sid);
        await rx.goodOffer();
      });
      assert.deepEqual(await listTree(result.dir), ['good.bin'], 'no final file for a transfer that sent more than it offered');
      assert.equal(result.code, 6, result.stderr);
      const failed = failures(result.stderr);
      assert.match(failed.get('more-later-write.bin') ?? '', /more than the 10000 bytes offered/);
      assert.match(failed.get('ibb-later-block.bin') ?? '', /more than the 100 bytes offered/);
    });

  test('the stream breaks (exit 5): fewer bytes then FIN or reset, a huge size, IBB seq gap, repeat, wrap, bad base64, over block-size, data after close', async () => {
    const content = randomBytes(10_000);
    const half = content.subarray(0, 5000);
    const answers: Record<string, unknown> = {};
    const result = await rx.receiveGroup(12, async () => {
      assert.equal(await rx.socks5('fewer-fin.bin', content, endWith(half)), 'reset');
      await rx.socks5('fewer-reset.bin', content, async (s) => {
        await writeNow(s, half);
        await sleep(100); // a reset discards what the receiver has not read yet: let it read first
        s.resetAndDestroy();
      });
      assert.equal(await rx.socks5('huge-size.bin', content, endWith(half), { size: String(Number.MAX_SAFE_INTEGER) }), 'reset');

      let sid = await rx.ibbOffer('ibb-fewer.bin', 100);
      await rx.ibbData(sid, 0, randomBytes(50));
      answers.fewerClose = await rx.ibbClose(sid);
      answers.dataAfterClose = await rx.ibbData(sid, 1, randomBytes(50));

      sid = await rx.ibbOffer('ibb-seq-gap.bin', 100);
      await rx.ibbData(sid, 0, randomBytes(10));
      answers.gap = await rx.ibbData(sid, 2, randomBytes(10));

      sid = await rx.ibbOffer('ibb-seq-repeat.bin', 100);
      await rx.ibbData(sid, 0, randomBytes(10));
      answers.repeat = await rx.ibbData(sid, 0, randomBytes(10));

      sid = await rx.ibbOffer('ibb-seq-wrap-first.bin', 100);
      answers.wrapFirst = await rx.ibbData(sid, 65535, randomBytes(10));

      sid = await rx.ibbOffer('ibb-seq-65536.bin', 100);
      await rx.ibbData(sid, 0, randomBytes(10));
      answers.seq65536 = await rx.ibbData(sid, 65536, randomBytes(10));

      sid = await rx.ibbOffer('ibb-bad-base64.bin', 100);
      await rx.ibbData(sid, 0, randomBytes(10));
      answers.badBase64 = await rx.ibbData(sid, 1, 'not base64!');

      sid = await rx.ibbOffer('ibb-bad-padding.bin', 100);
      answers.badPadding = await rx.ibbData(sid, 0, '=AAA');

      sid = await rx.ibbOffer('ibb-over-block-size.bin', 100, 16);
      answers.overBlock = await rx.ibbData(sid, 0, randomBytes(17));

      await rx.goodOffer();
    });
    assert.equal(result.code, 5, result.stderr);
    const failed = failures(result.stderr);
    assert.deepEqual([...failed.keys()].sort(), [
      'fewer-fin.bin', 'fewer-reset.bin', 'huge-size.bin', 'ibb-bad-base64.bin', 'ibb-bad-padding.bin', 'ibb-fewer.bin', 'ibb-over-block-size.bin',
      'ibb-seq-65536.bin', 'ibb-seq-gap.bin', 'ibb-seq-repeat.bin', 'ibb-seq-wrap-first.bin',
    ]);
    assert.match(failed.get('fewer-fin.bin')!, /the stream ended after 5000 of 10000 bytes/);
    assert.match(failed.get('fewer-reset.bin')!, /the stream failed after 5000 bytes: the peer reset the connection$/);
    assert.match(failed.get('ibb-fewer.bin')!, /the stream ended after 50 of 100 bytes/);
    assert.match(failed.get('ibb-seq-gap.bin')!, /out of sequence \(expected 1\)/);
    assert.match(failed.get('ibb-seq-repeat.bin')!, /out of sequence \(expected 1\)/);
    assert.match(failed.get('ibb-seq-wrap-first.bin')!, /out of sequence \(expected 0\)/);
    assert.match(failed.get('ibb-over-block-size.bin')!, /larger than the block size/);
    assert.match(failed.get('ibb-bad-base64.bin')!, /IBB packet 1 is not valid base64/);
    assert.match(failed.get('ibb-bad-padding.bin')!, /IBB packet 0 is not valid base64/);
    assert.match(failed.get('ibb-seq-65536.bin')!, /IBB packet without a valid seq/);
    assert.deepEqual(answers, {
      fewerClose: true,
      dataAfterClose: 'item-not-found',
      gap: 'unexpected-request',
      repeat: 'unexpected-request',
      wrapFirst: 'unexpected-request',
      seq65536: 'bad-request',
      badBase64: 'bad-request',
      badPadding: 'bad-request',
      overBlock: 'unexpected-request',
    });
    assert.deepEqual(await listTree(result.dir), ['good.bin'], 'no final file and no .part for the broken ones');
  });

  test('an IBB packet right behind the last one (not waiting for its answer) does not crash the receiver', async () => {
    const content = randomBytes(3000);
    const result = await rx.receiveGroup(3, async () => {
      for (const [name, seq, text] of [['late-gap.bin', '5', 'eHh4'], ['late-bad-base64.bin', '1', '!!!!']] as const) {
        const sid = await rx.ibbOffer(name, content.length);
        const [last] = await Promise.all([rx.ibbData(sid, 0, content), rx.ibbData(sid, seq, text)]);
        assert.equal(last, true);
        await rx.ibbClose(sid);
      }
      await rx.goodOffer();
    });
    assert.notEqual(result.code, null, 'not killed');
    const tree = await listTree(result.dir);
    assert.ok(tree.includes('good.bin'), `the receiver was still there for the good offer:\n${result.stderr}`);
    for (const name of ['late-gap.bin', 'late-bad-base64.bin']) {
      if (tree.includes(name)) assert.ok((await readFile(path.join(result.dir, name))).equals(content), `${name}: saved only complete`);
      else assert.ok(failures(result.stderr).has(name), `${name}: neither saved nor reported`);
    }
    assert.deepEqual(tree.filter((f) => f.endsWith('.part')), []);
    assert.ok([0, 5, 6].includes(result.code!), `exit ${result.code}`);
  });

  test('twelve transfers stalled at once put no Node warning on the receiver\'s stderr',
    async () => {
      const content = randomBytes(1000);
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let connected = 0;
      const result = await rx.receiveGroup(12, async () => {
        const all = Array.from({ length: 12 }, (_, i) =>
          rx.socks5(`stalled-${i}.bin`, content, async (s) => {
            await writeNow(s, content.subarray(0, 500));
            if (++connected === 12) setTimeout(release, 200);
            await released;
            s.end();
          }),
        );
        await Promise.all(all);
      });
      assert.equal(result.code, 5);
      assert.equal(failures(result.stderr).size, 12);
      assert.deepEqual(await listTree(result.dir), []);
    });

  test('hostile streamhosts (exit 5): a reset, garbage, a refusal, an unusable port — each named once in one line', async () => {
    const servers: net.Server[] = [];
    const serve = async (onConnection: (s: net.Socket) => void) => {
      const server = net.createServer((s) => void s.on('error', () => undefined).once('data', () => onConnection(s)));
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return String((server.address() as net.AddressInfo).port);
    };
    const answers: unknown[] = [];
    try {
      const hosts = [
        await serve((s) => s.resetAndDestroy()),
        await serve((s) => s.end(Buffer.from([4, 90]))),
        await serve((s) => {
          s.write(Buffer.from([5, 0]));
          s.once('data', (request: Buffer) => s.end(Buffer.concat([Buffer.from([5, 1]), request.subarray(2)])));
        }),
      ];
      const result = await rx.receiveGroup(3, async () => {
        const offer = await rx.alice.offer(rx.bob(), { name: 'bad-streamhosts.bin', size: '10' });
        const query = xml('query', { xmlns: NS_BYTESTREAMS, sid: offer.sid, mode: 'tcp' }, ...[...hosts, '0', '70000', 'x'].map((port) => xml('streamhost', { jid: rx.alice.jid, host: '127.0.0.1', port })));
        answers.push(await rx.alice.set(rx.bob(), query));
        const none = await rx.alice.offer(rx.bob(), { name: 'no-usable-streamhost.bin', size: '10' });
        answers.push(await rx.alice.set(rx.bob(), xml('query', { xmlns: NS_BYTESTREAMS, sid: none.sid, mode: 'tcp' }, xml('streamhost', { jid: rx.alice.jid, host: '', port: '1' }))));
        await rx.goodOffer();
      }, ['--no-ibb']);
      assert.equal(result.code, 5, result.stderr);
      assert.deepEqual(answers, ['item-not-found', 'item-not-found']);
      const failed = failures(result.stderr);
      assert.match(failed.get('bad-streamhosts.bin')!, /could not connect to any streamhost \(.*the peer reset the connection.*version 4.*reply 1 \(general SOCKS server failure\)\)$/);
      assert.match(failed.get('no-usable-streamhost.bin')!, /no streamhost was offered/);
      assert.deepEqual(await listTree(result.dir), ['good.bin']);
    } finally {
      for (const server of servers) server.close();
    }
  });

  test('--keep-partial keeps the .part of a stream that ended early, and nothing under the final name', async () => {
    const content = randomBytes(10_000);
    const result = await rx.receiveGroup(2, async () => {
      assert.equal(await rx.socks5('partial.bin', content, endWith(content.subarray(0, 4000))), 'reset');
      await rx.goodOffer();
    }, ['--keep-partial']);
    assert.equal(result.code, 5, result.stderr);
    assert.deepEqual(await listTree(result.dir), ['good.bin', 'partial.bin.part']);
    assert.ok((await readFile(path.join(result.dir, 'partial.bin.part'))).equals(content.subarray(0, 4000)));
  });
});
