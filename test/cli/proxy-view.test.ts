// Proxy log lines: peer-chosen values are made printable, and a sid (no length limit since
// XEP-0065 1.8) is cut so one hostile activation cannot write a megabyte line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeProxyEvent } from '../../src/cli/proxy-view.js';

test('a huge or control-laden sid is cut to 64 printable characters in the log line', () => {
  const line = describeProxyEvent({ kind: 'activation-refused', condition: 'item-not-found', requester: 'a@x/r', target: 'b@x/r', sid: `\u001b[2J${'s'.repeat(1_000_000)}` }, true)!;
  assert.ok(line.length < 200, `${line.length} characters`);
  assert.match(line, /\(sid \?\[2Js+…\)$/);
  const short = describeProxyEvent({ kind: 'stream-activated', requester: 'a@x/r', target: 'b@x/r', sid: 'xep65-1', dstAddr: 'c'.repeat(40) }, true)!;
  assert.match(short, /\(sid xep65-1\)$/);
});
