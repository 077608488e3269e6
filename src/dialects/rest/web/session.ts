/**
 * The token pages' sign-in session: a session token (the same credential a Danube login issues) in an HttpOnly,
 * SameSite=Strict cookie, so no other site can send requests with it; it expires with its token.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../../core/core.js';
import type { Principal } from '../../../core/accounts/principal.js';

/** The cookie holding the session token. */
const SESSION_COOKIE = 'nube_session';

/** What a session token looks like (40 lowercase hex characters); anything else is not looked up. */
const TOKEN_SHAPE = /^[0-9a-f]{40}$/;

/** The signed-in principal and its session token, or undefined when the request carries no live session. */
export async function sessionOf(
  core: Core,
  req: FastifyRequest,
): Promise<{ principal: Principal; token: string } | undefined> {
  const token = req.cookies[SESSION_COOKIE];
  if (!token || !TOKEN_SHAPE.test(token)) return undefined;
  const principal = await core.credentials.issuers['session-token'].verify(token, req.ip);
  return principal ? { principal, token } : undefined;
}

/** Sets the session cookie to a token expiring at expires (ISO-8601); Secure when the request came over HTTPS. */
export function setSession(req: FastifyRequest, reply: FastifyReply, token: string, expires: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: req.protocol === 'https',
    expires: new Date(expires),
  });
}

/** Removes the session cookie. */
export function clearSession(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict' });
}
