/** NUL bytes in request input: no store can keep them (PostgreSQL refuses them in text), so every dialect refuses them at its edge with its own error. */
import type { FastifyRequest } from 'fastify';

/** How deep bodies are searched; parsed JSON is never deeper than a few levels in any dialect. */
const MAX_DEPTH = 32;

/** True when value holds a NUL character: in a string, or in any key or string inside arrays and objects. */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1));
  for (const [k, v] of Object.entries(value)) if (k.includes('\0') || hasNul(v, depth + 1)) return true;
  return false;
}

/** True when the credentials of an HTTP Basic Authorization header decode to text holding a NUL. */
function basicHasNul(header: string | undefined): boolean {
  const m = /^Basic[ \t]+(\S{1,4096})/i.exec(header ?? '');
  return m !== null && Buffer.from(m[1]!, 'base64').includes(0);
}

/** Which part of a request's URL (or its Basic credentials, for dialects that read them) holds a NUL, or undefined; bodies are checked once parsed, with hasNul. */
export function nulInRequest(
  req: FastifyRequest,
  opts: { basic?: boolean } = {},
): 'path' | 'query' | 'authorization' | undefined {
  if (hasNul(req.params)) return 'path';
  if (hasNul(req.query)) return 'query';
  if (opts.basic && basicHasNul(req.headers.authorization)) return 'authorization';
  return undefined;
}
