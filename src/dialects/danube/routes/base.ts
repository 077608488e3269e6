/** GET /ping/, POST /accounts/login/ (a 40-hex token, replacing the user's earlier one) and GET /accounts/logout/. */
import { apiError, raw } from '../answers.js';
import { readParams } from '../params.js';
import type { DanubeRouter } from '../router.js';

/** Registers ping, login and logout. */
export function baseRoutes(r: DanubeRouter): void {
  r.get('/ping/', async () => raw('pong'), 'Ping: answers "pong" without credentials.');
  r.post(
    '/accounts/login/',
    async (q) => {
      const errors: Record<string, string[]> = {};
      for (const f of ['username', 'password'])
        if (typeof q.data[f] !== 'string' || q.data[f] === '') errors[f] = ['This field is required.'];
      if (Object.keys(errors).length > 0) throw apiError(400, errors);
      const p = readParams(q, {
        username: { type: 'str', required: true, maxLength: 254 },
        password: { type: 'str', required: true, maxLength: 1024 },
      });
      const got = await q.core.credentials.issuers['session-token'].login(p.username!, p.password!, q.req.ip);
      if ('refused' in got)
        throw apiError(
          400,
          got.refused === 'no_api_access'
            ? 'User account is not allowed to access API.'
            : 'Unable to log in with provided credentials.',
        );
      return raw({ token: got.token.token, expires: got.token.expires, detail: 'Welcome to Danube Cloud API.' });
    },
    'Signs in with username and password; answers a token for the Authorization: Token header, valid one hour.',
  );
  r.get(
    '/accounts/logout/',
    async (q) => {
      const auth = String(q.req.headers.authorization ?? '');
      if (/^Token\s+/i.test(auth))
        await q.core.credentials.issuers['session-token']
          .revoke(auth.replace(/^Token\s+/i, '').trim())
          .catch(() => undefined);
      return raw({ detail: 'Bye.' });
    },
    'Signs out: the token stops working.',
  );
}
