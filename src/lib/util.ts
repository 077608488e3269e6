/** Small neutral helpers every layer may use: ids, clocks, JSON columns and flags. */
import { randomUUID, randomBytes } from 'node:crypto';

/** A new resource id (UUID v4). */
export const newId = (): string => randomUUID();

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
export const randomToken = (n = 30): string => randomBytes(n).toString('base64url');

/** Canonical UUID check (any version). */
export const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Resolves after ms milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
