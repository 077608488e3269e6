import {
  constants,
  createHash,
  createPublicKey,
  generateKeyPair as generateNodeKeyPair,
  publicEncrypt,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { invalid } from '../../lib/errors.js';

/** A freshly generated SSH key pair, as CloudStack's createSSHKeyPair returns it. */
export interface GeneratedKeyPair {
  publicKey: string;
  privateKey: string;
  fingerprint: string;
}

/** A validated OpenSSH public key; `normalized` is the canonical `type base64 [comment]` line to store. */
export interface ParsedPublicKey {
  type: string;
  blob: Buffer;
  comment: string;
  fingerprint: string;
  normalized: string;
}

/** Longest public key text accepted, in characters (the blob of a 16384-bit RSA key is well under this). */
const MAX_PUBLIC_KEY_LENGTH = 16 * 1024;
const MIN_RSA_BITS = 1024;
const MAX_RSA_BITS = 16384;
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

/** ECDSA curves OpenSSH supports: key type, curve identifier inside the blob, JWK curve name, coordinate size. */
const ECDSA_CURVES: Record<string, { id: string; crv: string; size: number }> = {
  'ecdsa-sha2-nistp256': { id: 'nistp256', crv: 'P-256', size: 32 },
  'ecdsa-sha2-nistp384': { id: 'nistp384', crv: 'P-384', size: 48 },
  'ecdsa-sha2-nistp521': { id: 'nistp521', crv: 'P-521', size: 66 },
};
const SUPPORTED_TYPES = new Set(['ssh-rsa', 'ssh-ed25519', 'ssh-dss', ...Object.keys(ECDSA_CURVES)]);

/** Signals a structural problem while reading a blob; always turned into the public `invalid` error. */
class BlobError extends Error {}

/** Sequential reader over the SSH wire format (RFC 4251 string and mpint). */
class BlobReader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  string(): Buffer {
    if (this.offset + 4 > this.buf.length) throw new BlobError('truncated length');
    const length = this.buf.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + length > this.buf.length) throw new BlobError('truncated string');
    this.offset = start + length;
    return this.buf.subarray(start, start + length);
  }

  /** Reads a positive mpint and returns its unsigned big-endian magnitude without leading zeros. */
  positiveMpint(): Buffer {
    const raw = this.string();
    if (raw.length === 0) throw new BlobError('mpint is zero');
    if ((raw[0]! & 0x80) !== 0) throw new BlobError('mpint is negative');
    if (raw.length > 1 && raw[0] === 0 && (raw[1]! & 0x80) === 0)
      throw new BlobError('mpint has a redundant leading zero');
    const magnitude = raw[0] === 0 ? raw.subarray(1) : raw;
    if (magnitude.length === 0) throw new BlobError('mpint is zero');
    return magnitude;
  }

  end(): void {
    if (this.offset !== this.buf.length) throw new BlobError('trailing bytes');
  }
}

/** Encodes bytes as an SSH wire-format string (uint32 length prefix). */
function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** Encodes an unsigned big-endian magnitude as an SSH mpint (minimal, with a 0x00 pad when the high bit is set). */
function sshMpint(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const padded =
    trimmed.length > 0 && (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return sshString(padded);
}

/** Number of significant bits in an unsigned big-endian magnitude without leading zeros. */
function bitLength(magnitude: Buffer): number {
  return magnitude.length === 0 ? 0 : (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0]!));
}

/** CloudStack-style fingerprint: MD5 of the key blob as colon-separated lowercase hex. */
function md5Fingerprint(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

/** Makes a comment safe for a one-line key: whitespace runs collapse to single spaces. */
function cleanComment(comment: string): string {
  return comment.replace(/\s+/g, ' ').trim();
}

/** Builds the OpenSSH `ssh-rsa` blob from an RSA key's JWK export. */
function rsaBlobFromKeyObject(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.e !== 'string' || typeof jwk.n !== 'string') throw new Error('RSA JWK export lacks e or n');
  return Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e, 'base64url')),
    sshMpint(Buffer.from(jwk.n, 'base64url')),
  ]);
}

/** Generates a 2048-bit RSA key pair for createSSHKeyPair: OpenSSH public key, PKCS#1 PEM private key, MD5 fingerprint. */
export async function generateKeyPair(comment: string): Promise<GeneratedKeyPair> {
  const { publicKey, privateKey } = await new Promise<{ publicKey: KeyObject; privateKey: KeyObject }>(
    (resolve, reject) => {
      generateNodeKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, (err, pub, priv) => {
        if (err) reject(err);
        else resolve({ publicKey: pub, privateKey: priv });
      });
    },
  );
  const blob = rsaBlobFromKeyObject(publicKey);
  const label = cleanComment(comment);
  const line = `ssh-rsa ${blob.toString('base64')}`;
  return {
    publicKey: label ? `${line} ${label}` : line,
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    fingerprint: md5Fingerprint(blob),
  };
}

/** Checks that a blob's body (after the type string) has the structure its key type requires. */
function validateBlobBody(type: string, reader: BlobReader): void {
  if (type === 'ssh-rsa') {
    const e = reader.positiveMpint();
    const n = reader.positiveMpint();
    if ((e[e.length - 1]! & 1) === 0 || bitLength(e) < 2) throw new BlobError('RSA exponent is unusable');
    const bits = bitLength(n);
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) throw new BlobError('RSA modulus size is out of range');
  } else if (type === 'ssh-dss') {
    for (let i = 0; i < 4; i++) reader.positiveMpint();
  } else if (type === 'ssh-ed25519') {
    if (reader.string().length !== 32) throw new BlobError('Ed25519 key must be 32 bytes');
  } else {
    const curve = ECDSA_CURVES[type];
    if (!curve) throw new BlobError('unsupported key type');
    if (reader.string().toString('latin1') !== curve.id) throw new BlobError('ECDSA curve does not match the key type');
    const point = reader.string();
    if (point.length !== 1 + 2 * curve.size || point[0] !== 0x04) throw new BlobError('ECDSA point is malformed');
    const x = point.subarray(1, 1 + curve.size).toString('base64url');
    const y = point.subarray(1 + curve.size).toString('base64url');
    try {
      createPublicKey({ key: { kty: 'EC', crv: curve.crv, x, y }, format: 'jwk' });
    } catch {
      throw new BlobError('ECDSA point is not on the curve');
    }
  }
  reader.end();
}

/** Validates and normalizes an OpenSSH one-line public key (registerSSHKeyPair input); throws invalid on anything else. */
export function parsePublicKey(text: string): ParsedPublicKey {
  const fail = () => invalid('Public key is invalid', 'publicKey');
  if (typeof text !== 'string' || text.length > MAX_PUBLIC_KEY_LENGTH) throw fail();
  const trimmed = text.trim();
  if (/[\r\n]/.test(trimmed)) throw fail();
  const match = /^(\S+)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(trimmed);
  if (!match) throw fail();
  const type = match[1]!;
  const encoded = match[2]!;
  const comment = cleanComment(match[3] ?? '');
  if (!SUPPORTED_TYPES.has(type)) throw fail();
  if (encoded.length % 4 !== 0 || !BASE64_PATTERN.test(encoded)) throw fail();
  const blob = Buffer.from(encoded, 'base64');
  if (blob.toString('base64') !== encoded) throw fail();
  try {
    const reader = new BlobReader(blob);
    if (reader.string().toString('latin1') !== type) throw fail();
    validateBlobBody(type, reader);
  } catch (err) {
    if (err instanceof BlobError) throw fail();
    throw err;
  }
  const line = `${type} ${encoded}`;
  return { type, blob, comment, fingerprint: md5Fingerprint(blob), normalized: comment ? `${line} ${comment}` : line };
}

/** Encrypts plaintext (RSA PKCS#1 v1.5, base64) with an OpenSSH RSA public key, as getVMPassword returns a VM password. */
export function encryptForKey(publicKeyText: string, plaintext: string): string {
  const { type, blob } = parsePublicKey(publicKeyText);
  if (type !== 'ssh-rsa') throw invalid('The key pair is not an RSA key', 'sshKeyName');
  const reader = new BlobReader(blob);
  reader.string();
  const e = reader.positiveMpint();
  const n = reader.positiveMpint();
  const key = createPublicKey({
    key: { kty: 'RSA', e: e.toString('base64url'), n: n.toString('base64url') },
    format: 'jwk',
  });
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(plaintext, 'utf8')).toString(
    'base64',
  );
}
