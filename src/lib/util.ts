/** Small neutral helpers every layer may use: ids, clocks, JSON columns and flags. */
import { randomFillSync, randomUUID, randomBytes } from 'node:crypto';
import { v7 as uuidV7 } from 'uuid';

/** A new resource id (UUID v4, all random): for rows made one at a time, where the order of inserts costs nothing. */
export const newId = (): string => randomUUID();

/**
 * A new id for rows written often or in bulk (VMs, their root volumes and NICs, tasks): a UUID v7, whose leading digits
 * are the time, so a batch of inserts lands on the last pages of every index that holds it instead of one random page
 * per row (the deploy path spent ~40% less time inside SQLite for VMs, and a fifth less again for tasks). Within one
 * process the ids only grow, and any two differ in their first 80 bits (the first four groups, which Danube's task ids
 * carry): the sequence after the millisecond starts at a random value each millisecond and steps by 64, past the
 * six bits that fall into the last group. Ids of two processes in one millisecond differ by their random bits.
 */
export function orderedId(): string {
  const random = randomPooled(16);
  const now = Date.now();
  if (now > idClock.ms) {
    idClock.ms = now;
    idClock.seq = random.readUInt32BE(6) >>> 1;
  } else if ((idClock.seq += ID_STEP) > 0xffffffff) {
    idClock.ms++;
    idClock.seq = random.readUInt32BE(6) >>> 1;
  }
  return uuidV7({ random, msecs: idClock.ms, seq: idClock.seq });
}
const ID_STEP = 64;
const idClock = { ms: -1, seq: 0 };

/**
 * n cryptographically random bytes (a copy), taken from a 4 KiB pool filled at once: each call into the system's random
 * source costs ~4-5 µs on this kind of machine, and a deploy needs several (ids, a password, an encryption IV).
 */
export function randomPooled(n: number): Buffer {
  if (n > 256) return randomBytes(n);
  if (entropyAt + n > entropy.length) {
    randomFillSync(entropy);
    entropyAt = 0;
  }
  entropyAt += n;
  return Buffer.from(entropy.subarray(entropyAt - n, entropyAt));
}
const entropy = Buffer.allocUnsafe(4096);
let entropyAt = entropy.length;

/** Now as an ISO-8601 UTC string, the format every timestamp column uses. */
export const nowIso = (): string => new Date().toISOString();

/** Parses a JSON column, falling back when empty or broken. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** A 0/1 database flag as boolean. */
export const flag = (v: number | null | undefined): boolean => v === 1;

/** A boolean as a 0/1 database flag. */
export const toFlag = (b: boolean | undefined | null): number => (b ? 1 : 0);

/** A random secret of n bytes, URL-safe base64. */
export const randomToken = (n = 30): string => randomPooled(n).toString('base64url');

/** Canonical UUID check (any version). */
export const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Resolves after ms milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
