/** Name-based UUIDs (RFC 9562 version 5), so a fresh catalog gets the same ids on every machine and test suites can hard-code them. */
import { createHash } from 'node:crypto';

/** Nube's own namespace for catalog names (a fixed random UUID): ids made under it never collide with another tool's. */
const NUBE_NAMESPACE = '6f1c2b0e-3d4a-4e5f-9a8b-7c6d5e4f3a2b';

/** The version 5 UUID of a name under Nube's namespace: always the same for the same name. */
export function stableId(name: string): string {
  const ns = Buffer.from(NUBE_NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
