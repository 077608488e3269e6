/**
 * The API Tokens page and the JSON endpoints it calls, all behind the sign-in session: GET /user/api-tokens (the page),
 * GET /user/api-tokens.json (the account's live tokens), POST /user/api-tokens (a new token, shown once) and
 * DELETE /user/api-tokens/:id. Writes take only application/json bodies, which no other site can send with the
 * SameSite=Strict cookie, so they need no CSRF token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../../core/core.js';
import type { Principal } from '../../../core/accounts/principal.js';
import type { ApiTokenInfo } from '../../../core/credentials/api-token.js';
import { CoreError, notFound } from '../../../lib/errors.js';
import type { Role } from '../../../core/permissions.js';
import { apiTokensPage } from './api-tokens-page.js';
import { API_TOKENS_SCRIPT } from './api-tokens-script.js';
import { INVALID_DATA, UNAUTHENTICATED } from '../errors.js';
import { sendPage } from './html.js';
import { sessionOf } from './session.js';

/** Longest token name (Jetstream's). */
const MAX_NAME = 255;

/** The roles the form offers. */
const ROLES: readonly string[] = ['editor', 'admin'];

/** What POST /user/api-tokens takes. */
interface NewTokenBody {
  name: string;
  permissions?: string[];
  role?: Role;
  expiresAt?: string;
}

/** A listed token in the JSON the page reads (the REST API's snake_case). */
function tokenJson(t: ApiTokenInfo) {
  return {
    id: t.id,
    name: t.name,
    permissions: t.permissions,
    last_used_at: t.lastUsedAt,
    expires_at: t.expiresAt,
    created_at: t.createdAt,
  };
}

/** The validated body of a create call; Invalid naming every bad field. */
function parseNewToken(body: unknown): NewTokenBody {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const errors: Record<string, string[]> = {};
  const name = typeof b.name === 'string' ? b.name.trim() : '';
  if (!name) errors.name = ['The name field is required.'];
  else if (name.length > MAX_NAME) errors.name = [`The name may not be greater than ${MAX_NAME} characters.`];
  const perms = b.permissions;
  if (perms !== undefined && perms !== null && !(Array.isArray(perms) && perms.every((p) => typeof p === 'string')))
    errors.permissions = ['The permissions must be an array of strings.'];
  const role = b.role;
  if (role !== undefined && role !== null && role !== '' && !ROLES.includes(String(role)))
    errors.role = ['The selected role is invalid.'];
  const expires = b.expires_at;
  if (expires !== undefined && expires !== null && expires !== '' && typeof expires !== 'string')
    errors.expires_at = ['The expires at must be a date.'];
  if (Object.keys(errors).length > 0) throw new CoreError('Invalid', 'bad_input', INVALID_DATA, errors);
  return {
    name,
    ...(Array.isArray(perms) ? { permissions: perms as string[] } : {}),
    ...(role ? { role: role as Role } : {}),
    ...(expires ? { expiresAt: expires as string } : {}),
  };
}

/** True when the request's body is declared JSON. */
function isJson(req: FastifyRequest): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/** Registers the page, its script and its JSON endpoints. */
export function apiTokenRoutes(app: FastifyInstance, core: Core): void {
  const tokens = core.credentials.issuers['api-token'];
  /** The signed-in principal of a JSON call; Unauthenticated (401) without a live session. */
  const caller = async (req: FastifyRequest): Promise<Principal> => {
    const s = await sessionOf(core, req);
    if (!s) throw new CoreError('Unauthenticated', 'bad_credentials', UNAUTHENTICATED);
    return s.principal;
  };

  app.get('/user/api-tokens', async (req: FastifyRequest, reply: FastifyReply) => {
    const s = await sessionOf(core, req);
    if (!s) return reply.redirect('/login', 302);
    return sendPage(reply, 200, apiTokensPage(s.principal.user.email));
  });

  app.get('/user/api-tokens.js', async (_req: FastifyRequest, reply: FastifyReply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(API_TOKENS_SCRIPT),
  );

  app.get('/user/api-tokens.json', async (req: FastifyRequest, reply: FastifyReply) => {
    const who = await caller(req);
    const all = await tokens.list({ id: who.account.id, name: who.account.name });
    const live = all.filter((t) => !t.revokedAt);
    return reply.header('cache-control', 'no-store').send({ data: live.map(tokenJson) });
  });

  app.post('/user/api-tokens', async (req: FastifyRequest, reply: FastifyReply) => {
    const who = await caller(req);
    if (!isJson(req))
      return reply.code(415).send({ message: 'Send the token as JSON (Content-Type: application/json).' });
    const input = parseNewToken(req.body);
    const made = await tokens.issueFor({ accountId: who.account.id, userId: who.user.id }, input);
    return reply.code(201).header('cache-control', 'no-store').send({
      message: "API token created. Please copy it now: it won't be shown again.",
      token: made.token,
      id: made.id,
      name: made.name,
      permissions: made.permissions,
      expires_at: made.expiresAt,
    });
  });

  app.delete<{ Params: { id: string } }>('/user/api-tokens/:id', async (req, reply) => {
    const who = await caller(req);
    if (!/^[1-9][0-9]{0,15}$/.test(req.params.id)) throw notFound('API token', undefined, 'object');
    await tokens.revokeOwned(who.account.id, Number(req.params.id));
    return reply.send({ message: 'API token revoked.' });
  });
}
