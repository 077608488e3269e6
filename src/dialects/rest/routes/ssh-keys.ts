/** SSH keys (integer ids): list, create, show, delete — the same keys CloudStack lists as key pairs. */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { nullable } from '../nullable.js';
import type { Core } from '../../../core/core.js';
import type { SshKeyView } from '../../../core/ssh-keys/service.js';
import { callerOf, ctxOf } from '../auth.js';
import { COMMON_ERRORS, IntParams, Message, PageOf, PageQuery, pageAnswer, pagingOf } from '../envelope.js';
import { objectOfNumber, restNumbers } from '../ids.js';
import type { RestApp } from '../app-type.js';

import { SSH_KEY_TYPE as OBJECT_TYPE } from '../vps-shared.js';

/** An SSH key as the API shows it. */
const SshKey = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  fingerprint: Type.String(),
  public_key: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  team_id: Type.Integer(),
  user_id: nullable(Type.Integer()),
});

const CreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  public_key: Type.String({ minLength: 1, maxLength: 16384 }),
  is_default: Type.Optional(Type.Boolean()),
});

/** OpenSSH's SHA256 fingerprint of a public key line ("SHA256:<base64 without padding>"). */
function sha256Fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The API shapes of keys, numbered. */
async function shapes(core: Core, teamId: number, keys: SshKeyView[]) {
  const n = await restNumbers(
    core,
    OBJECT_TYPE,
    keys.map((k) => k.id),
  );
  return keys.map((k) => ({
    id: n.get(k.id)!,
    name: k.name,
    fingerprint: sha256Fingerprint(k.publicKey),
    public_key: k.publicKey,
    created_at: k.created,
    updated_at: k.created,
    team_id: teamId,
    user_id: null,
  }));
}

const tags = ['SSH Keys'];
const security = [{ bearerAuth: [] }];

/** /ssh-keys routes. */
export function sshKeyRoutes(app: RestApp, core: Core): void {
  app.get(
    '/ssh-keys',
    {
      schema: {
        summary: 'List SSH keys',
        tags,
        security,
        querystring: PageQuery,
        response: { 200: PageOf(SshKey), ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const p = pagingOf(req.query);
      const page = await core.sshKeys.list(ctxOf(req, 'ssh-keys/index'), { page: p.page, pageSize: p.perPage });
      return pageAnswer(await shapes(core, callerOf(req).teamId, page.items), page.count, p);
    },
  );
  app.post(
    '/ssh-keys',
    {
      schema: {
        summary: 'Add an SSH public key',
        tags,
        security,
        body: CreateBody,
        response: { 201: Type.Object({ message: Type.String(), key: SshKey }), ...COMMON_ERRORS },
      },
    },
    async (req, reply) => {
      const { key } = await core.sshKeys.register(ctxOf(req, 'ssh-keys/store'), req.body.name, req.body.public_key);
      const [shown] = await shapes(core, callerOf(req).teamId, [key]);
      return reply.code(201).send({ message: 'SSH key created successfully', key: shown! });
    },
  );
  app.get(
    '/ssh-keys/:id',
    {
      schema: {
        summary: 'Show an SSH key',
        tags,
        security,
        params: IntParams,
        response: { 200: Type.Object({ key: SshKey }), ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const id = await objectOfNumber(core, OBJECT_TYPE, req.params.id, 'SSH key');
      const key = await core.sshKeys.get(ctxOf(req, 'ssh-keys/show'), id);
      const [shown] = await shapes(core, callerOf(req).teamId, [key]);
      return { key: shown! };
    },
  );
  app.delete(
    '/ssh-keys/:id',
    {
      schema: {
        summary: 'Delete an SSH key',
        tags,
        security,
        params: IntParams,
        response: { 200: Message, ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const ctx = ctxOf(req, 'ssh-keys/destroy');
      const id = await objectOfNumber(core, OBJECT_TYPE, req.params.id, 'SSH key');
      const key = await core.sshKeys.get(ctx, id);
      await core.sshKeys.delete(ctx, key.name);
      return { message: 'SSH key deleted successfully' };
    },
  );
}
