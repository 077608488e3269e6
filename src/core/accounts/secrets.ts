/** Secrets at rest: AES-256-GCM under the master key, scrypt password hashes and SHA-256 token hashes. */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

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

/** A salted scrypt hash of a password, "scrypt$salt$hash". */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time check of a password against hashPassword's output. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), want.length, SCRYPT);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** SHA-256 hex of a token, for tokens that are shown once and stored hashed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
