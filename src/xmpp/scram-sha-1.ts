// SASL SCRAM-SHA-1 (RFC 5802 §3, §5) for xmpp.js's SASL factory, computed with node:crypto.
// The packaged mechanism runs PBKDF2 as 10,000 awaited WebCrypto HMACs, which made a login take
// about a second of CPU; Hi() here is one native pbkdf2 call (a few ms), run on the thread pool
// so that a slow count never stalls the event loop (timers, Ctrl-C, other transfers).
// The iteration count comes from the server and is untrusted: servers use 4096 (Prosody,
// ejabberd) to about 100,000; a count above MAX_ITERATIONS is refused before any work is done.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { Xep65Error } from '../errors.js';

const pbkdf2Async = promisify(pbkdf2);

/** Well above any deployed default, low enough that a hostile server cannot hold us for long. */
export const MAX_ITERATIONS = 1_000_000;

interface Credentials {
  username?: string | null;
  password?: string | null;
  authzid?: string | null;
}

type Stage = 'initial' | 'final' | 'done';

export class ScramSha1 {
  static readonly mechanismName = 'SCRAM-SHA-1';
  readonly name = ScramSha1.mechanismName;
  readonly clientFirst = true;
  private stage: Stage = 'initial';
  constructor(private readonly clientNonce = randomBytes(18).toString('base64')) {}
  private clientFirstBare = '';
  private gs2Header = 'n,,';
  private serverFirst = '';
  private expectedServerSignature: Buffer | undefined;

  /**
   * What we send next: client-first-message, then client-final-message, as a binary string of
   * its UTF-8 bytes: xmpp.js base64-encodes responses with btoa(), which takes one byte per
   * character (and throws above U+00FF), so a non-ASCII user name must arrive already encoded.
   */
  async response(cred: Credentials): Promise<string> {
    return Buffer.from(await this.nextMessage(cred), 'utf8').toString('latin1');
  }

  private async nextMessage(cred: Credentials): Promise<string> {
    if (this.stage === 'initial') {
      this.gs2Header = cred.authzid ? `n,a=${saslName(cred.authzid)},` : 'n,,';
      this.clientFirstBare = `n=${saslName(cred.username ?? '')},r=${this.clientNonce}`;
      this.stage = 'final';
      return this.gs2Header + this.clientFirstBare;
    }
    if (this.stage === 'final') {
      this.stage = 'done';
      return this.clientFinal(cred.password ?? '');
    }
    return '';
  }

  /** The server-first-message (a binary string from atob(): its UTF-8 bytes, one per character). */
  challenge(chal: string): this {
    if (this.stage === 'final') this.serverFirst = Buffer.from(chal, 'latin1').toString('utf8');
    return this;
  }

  /**
   * The server-final-message, carried in <success/> (RFC 6120 §6.4.6), which xmpp.js does not
   * hand to the mechanism: the connection passes it here. Throws when the server did not prove
   * it knows our password.
   */
  verifyServerFinal(message: string): void {
    if (this.stage !== 'done' || !this.expectedServerSignature) return;
    const verifier = parseAttributes(message).get('v');
    const got = Buffer.from(verifier ?? '', 'base64');
    if (got.length !== this.expectedServerSignature.length || !timingSafeEqual(got, this.expectedServerSignature)) {
      throw new Error('the server could not prove it knows our password (SCRAM server signature mismatch)');
    }
  }

  private async clientFinal(password: string): Promise<string> {
    const attrs = parseAttributes(this.serverFirst);
    const nonce = attrs.get('r') ?? '';
    const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
    const iterations = Number(attrs.get('i'));
    if (!nonce.startsWith(this.clientNonce) || salt.length === 0 || !Number.isInteger(iterations) || iterations < 1) {
      throw new Error('SCRAM: malformed server-first-message');
    }
    if (iterations > MAX_ITERATIONS) {
      throw new Xep65Error('connection', `the server asks for ${iterations} SCRAM iterations (more than ${MAX_ITERATIONS}): refusing to log in`);
    }
    const withoutProof = `c=${Buffer.from(this.gs2Header).toString('base64')},r=${nonce}`;
    const salted = await pbkdf2Async(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, 20, 'sha1');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha1').update(clientKey).digest();
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha1', key).update(data, 'utf8').digest();
}

/** RFC 5802 §5.1 saslname: ',' and '=' escaped. */
function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) attrs.set(part[0]!, part.slice(2));
  }
  return attrs;
}

/** Registers the mechanism with an xmpp.js (saslmechanisms) factory; `created` sees each instance. */
export function useScramSha1(factory: { use(name: string, mech: unknown): unknown }, created: (mech: ScramSha1) => void): void {
  factory.use(
    ScramSha1.mechanismName,
    class extends ScramSha1 {
      constructor() {
        super();
        created(this);
      }
    },
  );
}
