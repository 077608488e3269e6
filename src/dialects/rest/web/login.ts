/**
 * Sign-in for the token pages: GET /login shows the email and password form, POST /login checks them through the
 * session-token issuer (throttled like every login) and sets the session cookie, POST /logout ends the session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../../core/core.js';
import { CoreError } from '../../../lib/errors.js';
import { esc, page, sendPage } from './html.js';
import { clearSession, sessionOf, setSession } from './session.js';

/** Where a signed-in user goes. */
const HOME = '/user/api-tokens';

/** Laravel's text for a wrong email or password. */
const BAD_LOGIN = 'These credentials do not match our records.';

/** The text for a user who may not use the API (api_access turned off). */
const NO_API_ACCESS = 'This user may not use the API.';

/** Longest email and password taken from the form (longer ones cannot be real). */
const MAX_FIELD = 1024;

/** The sign-in page, with an error and the email typed, if any. */
function loginPage(error?: string, email = ''): string {
  return page(
    'Sign in',
    '',
    `<section class="narrow">
<h1>Sign in</h1>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/login">
<label for="email">Email</label>
<input type="email" id="email" name="email" value="${esc(email)}" required autofocus autocomplete="username">
<label for="password">Password</label>
<input type="password" id="password" name="password" required autocomplete="current-password">
<p><button type="submit">Log in</button></p>
</form>
</section>`,
  );
}

/** A form field as a string of at most MAX_FIELD characters ('' when missing or not text). */
function field(body: unknown, name: string): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v.slice(0, MAX_FIELD) : '';
}

/** Registers /login and /logout. */
export function loginRoutes(app: FastifyInstance, core: Core): void {
  app.get('/login', async (req: FastifyRequest, reply: FastifyReply) => {
    if (await sessionOf(core, req)) return reply.redirect(HOME, 303);
    return sendPage(reply, 200, loginPage());
  });

  app.post('/login', async (req: FastifyRequest, reply: FastifyReply) => {
    const email = field(req.body, 'email').trim();
    const password = field(req.body, 'password');
    if (!email || !password) return sendPage(reply, 422, loginPage(BAD_LOGIN, email));
    try {
      const r = await core.credentials.issuers['session-token'].login(email, password, req.ip);
      if ('refused' in r)
        return sendPage(reply, 422, loginPage(r.refused === 'no_api_access' ? NO_API_ACCESS : BAD_LOGIN, email));
      setSession(req, reply, r.token.token, r.token.expires);
      return reply.redirect(HOME, 303);
    } catch (err) {
      if (!(err instanceof CoreError) || err.kind !== 'RateLimited') throw err;
      const wait = err.retryAfterSec ?? 60;
      reply.header('retry-after', wait);
      return sendPage(reply, 429, loginPage(`Too many login attempts. Please try again in ${wait} seconds.`, email));
    }
  });

  app.post('/logout', async (req: FastifyRequest, reply: FastifyReply) => {
    const session = await sessionOf(core, req);
    if (session) await core.credentials.issuers['session-token'].revoke(session.token);
    clearSession(reply);
    return reply.redirect('/login', 303);
  });
}
