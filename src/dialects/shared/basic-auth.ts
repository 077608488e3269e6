/** HTTP Basic credentials parsing, shared by every dialect that accepts a user and password in the Authorization header. */

/** The user and password of a Basic Authorization header. */
export interface BasicCredentials {
  user: string;
  password: string;
}

/** Splits `Basic base64(user:password)` (scheme case-insensitive, payload at most 1024 characters); undefined when missing or malformed. */
export function parseBasic(header: string | undefined): BasicCredentials | undefined {
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]{1,1024})[ \t]*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = text.indexOf(':');
  if (at <= 0) return undefined;
  return { user: text.slice(0, at), password: text.slice(at + 1) };
}
