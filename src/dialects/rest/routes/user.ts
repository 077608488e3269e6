/** The signed-in user (Laravel's GET /api/user, what the CLI's login and whoami call) and the teams the token may act for. */
import { Type } from '@sinclair/typebox';
import type { Core } from '../../../core/core.js';
import { callerOf } from '../auth.js';
import { COMMON_ERRORS } from '../envelope.js';
import type { RestApp } from '../app-type.js';

/** The object-type and scheme under which users are numbered. */
const USER_ALIAS = ['user', 'rest-user'] as const;

const User = Type.Object({ id: Type.Integer(), name: Type.String(), email: Type.String() });

const Team = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  personal_team: Type.Boolean(),
  registry_namespace: Type.String(),
});

/** GET /api/user; its other methods answer 405 {message} (the path is this dialect's, not the Danube API's). */
export function userRoute(app: RestApp, core: Core): void {
  app.get(
    '/user',
    {
      schema: {
        summary: 'The user the token belongs to',
        tags: ['User'],
        security: [{ bearerAuth: [] }],
        response: { 200: User, 401: COMMON_ERRORS[401] },
      },
    },
    async (req) => {
      const { user } = callerOf(req).principal;
      const n = await core.aliases.numbers(...USER_ALIAS, [user.id]);
      const name = `${user.first_name} ${user.last_name}`.trim() || user.username;
      return { id: n.get(user.id)!, name, email: user.email };
    },
  );
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/user',
    schema: { hide: true },
    handler: async (req, reply) =>
      reply
        .code(405)
        .header('allow', 'GET, HEAD')
        .type('application/json')
        .send({
          message: `The ${req.method} method is not supported for route api/user. Supported methods: GET, HEAD.`,
        }),
  });
}

/** GET /api/v1/user/teams: a team is the Nube account of the token; it is the only one a token may use. */
export function teamRoutes(app: RestApp): void {
  app.get(
    '/user/teams',
    {
      schema: {
        summary: 'The teams the token may act for',
        tags: ['User'],
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Object({ data: Type.Array(Team), current_team_id: Type.Integer() }),
          401: COMMON_ERRORS[401],
        },
      },
    },
    async (req) => {
      const c = callerOf(req);
      const { account } = c.principal;
      const team = {
        id: c.teamId,
        name: account.name,
        personal_team: account.type !== 'admin',
        registry_namespace: account.name.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
      };
      return { data: [team], current_team_id: c.teamId };
    },
  );
}
