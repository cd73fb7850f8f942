// The harness of the hostile-offer suites (test/hostile/receive-*.test.ts): one private Prosody
// per file, the sender played by helpers/raw-offerer.ts as alice, and `xep65 receive` (the real
// CLI) run as bob for each group of offers. Every group's stderr is checked line by line: only
// the receiver's own kinds of line, never a stack or Node's wording.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProsody, type PrivateProsody } from './prosody.js';
import { accountEnv, startCli, type CliResult } from './cli.js';
import { connectOfferer, writeNow, type CloseHow, type RawOfferer } from './raw-offerer.js';
import { NS_IBB } from '../../src/stanzas/ns.js';

const PASSWORDS = { alice: 'alice-hostile-pw', bob: 'bob-hostile-pw' };
/** The lines a receiver may print; anything else (a stack, a Node warning) fails the group. */
const KNOWN_LINE = /^(Waiting for files as |Offer from |Saved |Failed )/;
const NODE_WORDING = /^\s+at |node:internal|\bERR_[A-Z_]+\b|\b(TypeError|RangeError|ReferenceError|SyntaxError)\b|\bE(CONNRESET|PIPE|CONNREFUSED)\b|Warning/;

export interface GroupResult extends CliResult {
  dir: string;
}

export interface HostileReceiver {
  readonly prosody: PrivateProsody;
  readonly alice: RawOfferer;
  readonly work: string;
  /** For a second login as alice (a sender the server will throw out). */
  readonly alicePassword: string;
  /** bob's full JID, where the receiver listens. */
  bob(): string;
  /**
   * Runs `xep65 receive --accept-all --count N` for bob into a fresh directory while `offers`
   * plays the sender; resolves with the result and the directory.
   */
  receiveGroup(count: number, offers: (dir: string) => Promise<void>, extra?: string[]): Promise<GroupResult>;
  /** A SOCKS5 transfer of `content`, announced as `file.size` (default: its length), written as `write` says. */
  socks5(name: string, content: Buffer, write?: (s: net.Socket) => Promise<void>, file?: { size?: string; hash?: string }): Promise<CloseHow>;
  /** The good offer that ends a group: saved, and the receiver closes with a FIN. Resolves with its content. */
  goodOffer(name?: string): Promise<Buffer>;
  /** An IBB-only offer, accepted and opened; resolves with its sid. */
  ibbOffer(name: string, size: number, blockSize?: number): Promise<string>;
  ibbData(sid: string, seq: number | string, payload: Buffer | string): Promise<true | string>;
  ibbClose(sid: string): Promise<true | string>;
}

/** Registers the before/after hooks of the calling describe() and returns the harness. */
export function useHostileReceiver(): HostileReceiver {
  let prosody: PrivateProsody;
  let alice: RawOfferer;
  let work: string;
  let groups = 0;
  let groupDir = '';
  const bob = () => `bob@${prosody.domain}/xep65`;

  before(async () => {
    prosody = await startProsody({ accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })) });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-hostile-rx-'));
    alice = await connectOfferer(prosody, 'alice', PASSWORDS.alice);
  });
  after(async () => {
    await alice?.close();
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const socks5: HostileReceiver['socks5'] = async (name, content, write = endWith(content), file = {}) => {
    const offer = await alice.offer(bob(), { name, size: file.size ?? String(content.length), ...(file.hash ? { hash: file.hash } : {}) });
    assert.equal(offer.condition, undefined, `offer of ${name} accepted`);
    return alice.socks5(bob(), offer.sid, write);
  };

  return {
    get prosody() {
      return prosody;
    },
    get alice() {
      return alice;
    },
    get work() {
      return work;
    },
    alicePassword: PASSWORDS.alice,
    bob,
    async receiveGroup(count, offers, extra = []) {
      const dir = path.join(work, `group-${++groups}`);
      await mkdir(dir);
      groupDir = dir;
      const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', String(count), ...extra], accountEnv(prosody, 'bob', PASSWORDS.bob), 60_000);
      await receiver.waitForStderr(/Waiting for files as /);
      try {
        await offers(dir);
      } catch (err) {
        receiver.child.kill('SIGTERM');
        throw err;
      }
      const result = await receiver.done;
      for (const line of result.stderr.split('\n').filter(Boolean)) {
        assert.match(line, KNOWN_LINE, `an unexpected line on stderr:\n${result.stderr}`);
        assert.doesNotMatch(line, NODE_WORDING, `Node's own wording on stderr:\n${result.stderr}`);
      }
      return { ...result, dir };
    },
    socks5,
    async goodOffer(name = 'good.bin') {
      const content = randomBytes(50_000);
      assert.equal(await socks5(name, content), 'fin', 'a saved file is acknowledged with an orderly close');
      return content;
    },
    async ibbOffer(name, size, blockSize = 4096) {
      const offer = await alice.offer(bob(), { name, size: String(size) }, [NS_IBB]);
      assert.equal(offer.method, NS_IBB);
      assert.equal(await alice.ibb(bob(), 'open', { sid: offer.sid, 'block-size': String(blockSize), stanza: 'iq' }), true);
      await readingInto(groupDir, name);
      return offer.sid;
    },
    ibbData: (sid, seq, payload) => alice.ibb(bob(), 'data', { sid, seq: String(seq) }, typeof payload === 'string' ? payload : payload.toString('base64')),
    ibbClose: (sid) => alice.ibb(bob(), 'close', { sid }),
  };
}

/**
 * Waits until the receiver reads the stream: it creates its hidden part file
 * (`.NAME.xep65-PID-RANDOM.part`), then starts reading.
 */
async function readingInto(dir: string, name: string): Promise<void> {
  const until = Date.now() + 10_000;
  const isPart = (f: string) => f.startsWith(`.${name}.xep65-`) && f.endsWith('.part');
  while (!(await readdir(dir).then((files) => files.some(isPart), () => false))) {
    if (Date.now() > until) throw new Error(`the receiver never created a part file for ${name} in ${dir}`);
    await sleep(2);
  }
  await sleep(20);
}

/** Writes `data` in one write, then FIN. */
export function endWith(data: Buffer): (s: net.Socket) => Promise<void> {
  return async (s) => {
    await writeNow(s, data);
    s.end();
  };
}

/** Failure lines on stderr, by the file name they name. */
export function failures(stderr: string): Map<string, string> {
  const lines = stderr.split('\n').filter((l) => l.startsWith('Failed '));
  return new Map(lines.map((l) => [/^Failed (.*?) from /.exec(l)![1]!, l]));
}

/** Every file below `dir`, as relative paths, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}
