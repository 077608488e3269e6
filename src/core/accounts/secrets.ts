/** Secrets at rest: AES-256-GCM under the master key, scrypt password hashes and SHA-256 token hashes. */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPool } from './hash-pool.js';

/** Encrypts and decrypts stored secrets (API secrets, VM passwords) with one 256-bit key. */
export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  /** Uses NUBE_MASTER_KEY (64 hex chars or base64 of 32 bytes) or a key file in the data dir, created on first use. */
  static load(dataDir: string, configured?: string): MasterKey {
    if (configured) {
      const key = /^[0-9a-f]{64}$/i.test(configured) ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'base64');
      if (key.length !== 32) throw new Error('NUBE_MASTER_KEY must be 32 bytes (64 hex characters or base64)');
      return new MasterKey(key);
    }
    const file = join(dataDir, 'master.key');
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    }
    return new MasterKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
  }

  /** A key for tests and tools that need no persistence. */
  static ephemeral(): MasterKey { return new MasterKey(randomBytes(32)); }

  /** Ciphertext as "v1:" + base64(iv | tag | data). */
  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
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
  return createHash('sha256').update(token).digest('hex');
}
