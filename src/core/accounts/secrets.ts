/** Secrets at rest: AES-256-GCM under the master key, scrypt password hashes and SHA-256 token hashes. */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hash as oneShotHash,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPool } from './hash-pool.js';
import { randomPooled } from '../../lib/util.js';

/** Where a master key came from, so a mismatch can name the setting to fix. */
export type KeyOrigin = { kind: 'env' } | { kind: 'file'; path: string; created: boolean } | { kind: 'ephemeral' };

/** Label whose HMAC under the key is the store's key check value (never the key itself). */
const CHECK_LABEL = 'nube master key check v1';

/** Encrypts and decrypts stored secrets (API secrets, VM passwords) with one 256-bit key. */
export class MasterKey {
  private constructor(
    private readonly key: Buffer,
    readonly origin: KeyOrigin,
  ) {}

  /**
   * Uses NUBE_MASTER_KEY (64 hex chars or base64 of 32 bytes) or the key file `<dataDir>/master.key`, which is created
   * (mode 0600, data dir 0700) unless create is false; a missing file then is an error naming both settings.
   */
  static load(dataDir: string, configured?: string, opts: { create?: boolean } = {}): MasterKey {
    if (configured) {
      const key = /^[0-9a-f]{64}$/i.test(configured)
        ? Buffer.from(configured, 'hex')
        : Buffer.from(configured, 'base64');
      if (key.length !== 32) throw new Error('NUBE_MASTER_KEY must be 32 bytes (64 hex characters or base64)');
      return new MasterKey(key, { kind: 'env' });
    }
    const file = join(dataDir, 'master.key');
    let created = false;
    if (!existsSync(file)) {
      if (opts.create === false)
        throw new Error(`No master key: set NUBE_MASTER_KEY or put the store's key file at ${file}`);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      // Written aside and linked into place: a process sharing the data dir never reads a half-written key.
      const content = randomBytes(32).toString('hex') + '\n';
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
      try {
        linkSync(tmp, file);
        created = true;
      } catch (err) {
        // EEXIST: another process sharing the data dir made it first, use that one; no hard links here: write in place.
        if ((err as { code?: string }).code !== 'EEXIST') {
          writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
          created = true;
        }
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    const text = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(text))
      throw new Error(`The key file ${file} does not hold a 64-hex-character key: restore it or set NUBE_MASTER_KEY`);
    return new MasterKey(Buffer.from(text, 'hex'), { kind: 'file', path: file, created });
  }

  /** A key for tests and tools that need no persistence. */
  static ephemeral(): MasterKey {
    return new MasterKey(randomBytes(32), { kind: 'ephemeral' });
  }

  /** The setting an operator changes to give this process another key, for one-line error messages. */
  setting(): string {
    if (this.origin.kind === 'env') return 'NUBE_MASTER_KEY';
    if (this.origin.kind === 'file')
      return `NUBE_MASTER_KEY or the key file ${this.origin.path}${this.origin.created ? ' (it was missing; restore it)' : ''}`;
    return 'the master key given to the runtime';
  }

  /** Removes the key file this process just created (a store that refuses the key must not keep a stray one). */
  discardCreatedFile(): void {
    if (this.origin.kind === 'file' && this.origin.created) rmSync(this.origin.path, { force: true });
  }

  /** The store's key check value: an HMAC of a fixed label under the key, which reveals nothing about the key. */
  checkValue(): string {
    return 'hmac-sha256:' + createHmac('sha256', this.key).update(CHECK_LABEL).digest('hex');
  }

  /** Constant-time comparison of a stored check value with this key's. */
  matches(check: string): boolean {
    const want = Buffer.from(check);
    const got = Buffer.from(this.checkValue());
    return want.length === got.length && timingSafeEqual(want, got);
  }

  /** Ciphertext as "v1:" + base64(iv | tag | data). */
  encrypt(plaintext: string): string {
    const iv = randomPooled(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return 'v1:' + Buffer.concat([iv, c.getAuthTag(), data]).toString('base64');
  }

  /** Plaintext of a value made by encrypt; throws if it was tampered with or made under another key. */
  decrypt(stored: string): string {
    const raw = Buffer.from(stored.slice(3), 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** A hash no password matches, checked when a login does not exist so that unknown and known logins cost one scrypt each. */
const NO_SUCH_USER_HASH = `scrypt$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;

/** A salted scrypt hash of a password, "scrypt$salt$hash" (computed on the hashing threads, waiting its turn). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await hashPool.hash(password, salt, 32, SCRYPT, false);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time check of a password against hashPassword's output; undefined (no such user) costs the same and is false. RateLimited when the hashing queue is full. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, salt, hash] = (stored ?? NO_SUCH_USER_HASH).split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = await hashPool.hash(password, Buffer.from(salt, 'base64'), want.length, SCRYPT, true);
  return stored !== undefined && got.length === want.length && timingSafeEqual(got, want);
}

/** SHA-256 hex of a token, for tokens that are shown once and stored hashed. */
export function hashToken(token: string): string {
  // One-shot hashing: a Hash object per call costs ~4 times as much, on the path of every token-checked request.
  return oneShotHash('sha256', token, 'hex');
}
