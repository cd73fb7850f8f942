// Hostile offers against the receiver, part 1: what an offer says (XEP-0096 §3.1 name and size)
// and how the first bytes come. The real `xep65 receive` CLI on a private Prosody; the sender is
// played by the test (helpers/raw-offerer.ts). Names never leave --dir nor carry control or bidi
// characters to the disk or the terminal; malformed sizes are refused at the offer; the receiver
// stays up for the good offer that ends each group.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { connectOfferer } from '../helpers/raw-offerer.js';
import { listTree, useHostileReceiver } from '../helpers/hostile-receiver.js';

describe('hostile offers against xep65 receive: names, sizes, first bytes', () => {
  const rx = useHostileReceiver();

  test('offered names: ../, absolute, control and bidi characters, 100,000 characters, *.part, empty, NUL — all kept inside --dir', async () => {
    const unique = `xep65-abs-${randomBytes(4).toString('hex')}`;
    const contents = new Map<string, Buffer>();
    const names: Array<[offered: string, saved: string]> = [
      ['../../escape.txt', 'escape.txt'],
      [`/tmp/${unique}/abs.txt`, `tmp/${unique}/abs.txt`],
      ['dir\\..\\..\\win.txt', 'dir/win.txt'],
      ['..', 'file'],
      ['.bashrc', 'bashrc'],
      ['-rf --no-preserve-root', 'rf --no-preserve-root'],
      ['tab\there\nnl\u0085nel\u007fdel\u009bcsi.txt', 'tab here nlneldelcsi.txt'],
      ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
      ['iso\u2066late\u2069\u200f\u200e\ufeff.txt', 'isolate.txt'],
      ['mark\u061cline\u2028para\u2029.txt', 'marklinepara.txt'],
      [`${'a'.repeat(100_000)}.txt`, `${'a'.repeat(255 - 29 - 4)}.txt`],
      ['report.pdf.part', 'report.pdf.part'],
      ['report.pdf', 'report.pdf'], // its part file is hidden (.report.pdf.xep65-PID-RANDOM.part), never report.pdf.part
    ];
    const result = await rx.receiveGroup(names.length + 1, async () => {
      for (const [offered, saved] of names) {
        const content = randomBytes(1000 + contents.size);
        contents.set(saved, content);
        assert.equal(await rx.socks5(offered, content), 'fin', `${JSON.stringify(offered.slice(0, 40))} saved`);
      }
      const empty = await rx.alice.offer(rx.bob(), { name: '', size: '10' });
      assert.equal(empty.condition, 'bad-request', 'an empty name is refused at the offer');
      // XML 1.0 has no NUL or C0 controls (other than tab, LF, CR): the server ends a stream that
      // sends one, so such a name never reaches the receiver. Its sender is gone; the receiver is not.
      const nul = await connectOfferer(rx.prosody, 'alice', rx.alicePassword, 'nul');
      assert.match(String((await nul.offer(rx.bob(), { name: 'a\u0000b.txt', size: '1' })).condition), /connection to the server was lost/);
      await nul.close();
      contents.set('good.bin', await rx.goodOffer());
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await listTree(result.dir), [...contents.keys()].sort());
    for (const [saved, content] of contents) assert.ok((await readFile(path.join(result.dir, saved))).equals(content), saved);
    assert.deepEqual((await readdir(rx.work)).filter((n) => !n.startsWith('group-')), [], 'nothing written beside --dir');
    await assert.rejects(readdir(`/tmp/${unique}`), { code: 'ENOENT' });
    assert.doesNotMatch(result.stderr, /[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/, 'no control or bidi character reaches the terminal');
  });

  test('offered sizes: negative, non-decimal, 1e3, above 2^53 are refused at the offer; 0 saves an empty file', async () => {
    const bad = ['-1', '1e3', '0x10', ' 42', '42 ', '', '1.5', '+5', '9007199254740993', '99999999999999999999'];
    const result = await rx.receiveGroup(2, async () => {
      for (const size of bad) {
        const offer = await rx.alice.offer(rx.bob(), { name: `size-${size}.bin`, size });
        assert.equal(offer.condition, 'bad-request', `size '${size}'`);
      }
      assert.equal(await rx.socks5('empty.bin', Buffer.alloc(0)), 'fin');
      await rx.goodOffer();
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await listTree(result.dir), ['empty.bin', 'good.bin']);
    assert.equal((await readFile(path.join(result.dir, 'empty.bin'))).length, 0);
  });

  test('data glued to the SOCKS5 reply, before streamhost-used, is the file\'s first bytes', async () => {
    const content = randomBytes(20_000);
    const result = await rx.receiveGroup(1, async () => {
      const offer = await rx.alice.offer(rx.bob(), { name: 'glued.bin', size: String(content.length) });
      assert.equal(await rx.alice.socks5(rx.bob(), offer.sid, async (s) => void s.end(), { glue: content }), 'fin');
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await readFile(path.join(result.dir, 'glued.bin'))).equals(content));
  });
});
