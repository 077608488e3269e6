/** VPS snapshots (integer ids): list, create, delete, restore — snapshots of the VM's root volume, the same ones CloudStack lists. */
import { Type } from '@sinclair/typebox';
import { nullable } from '../nullable.js';
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/swagger';
import type { Core } from '../../../core/core.js';
import type { RootSnapshotView } from '../../../core/snapshots/root-snapshots.js';
import type { VmState } from '../../../core/vms/model.js';
import { CoreError, invalid } from '../../../lib/errors.js';
import { ctxNeeding, ctxOf } from '../auth.js';
import { COMMON_ERRORS, IntParams, Message, PageOf, PageQuery, pageAnswer, pagingOf } from '../envelope.js';
import { objectOfNumber, restNumbers } from '../ids.js';
import type { RestApp } from '../app-type.js';

const OBJECT_TYPE = 'snapshot';

/** The states a snapshot shows (one enum, not a union of literals, so its answers are written without a validator). */
const SNAPSHOT_STATES = ['creating', 'ready', 'failed', 'restoring'] as const;

/** A VPS snapshot as the API shows it. */
const VpsSnapshot = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: nullable(Type.String()),
  status: Type.Unsafe<(typeof SNAPSHOT_STATES)[number]>(Type.String({ enum: [...SNAPSHOT_STATES] })),
  size_gb: Type.Number(),
  vps_instance_id: Type.String(),
  vps_instance: Type.Object({ id: Type.String(), name: Type.String() }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const ListQuery = Type.Object({
  ...PageQuery.properties,
  vps_instance_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

const CreateBody = Type.Object({
  vps_instance_id: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(nullable(Type.String({ maxLength: 1024 }))),
});

/** The text of a refused restore. */
const RESTORE_REFUSED = 'VPS snapshot cannot be restored in the current state';

/** A snapshot's status in DanubeData's words. */
function statusOf(s: RootSnapshotView): 'creating' | 'ready' | 'restoring' {
  if (s.state === 'Creating') return 'creating';
  return s.restoring ? 'restoring' : 'ready';
}

/** A VM state in DanubeData's VPS status words. */
function vpsStatus(state: VmState): string {
  const words: Partial<Record<VmState, string>> = {
    defined: 'stopped',
    creating: 'provisioning',
    suspended: 'stopped',
    destroyed: 'destroying',
    terminated: 'destroying',
  };
  return words[state] ?? state;
}

/** The API shapes of snapshots, numbered. */
async function shapes(core: Core, snaps: RootSnapshotView[]) {
  const n = await restNumbers(
    core,
    OBJECT_TYPE,
    snaps.map((s) => s.id),
  );
  return snaps.map((s) => ({
    id: n.get(s.id)!,
    name: s.name,
    description: s.note === '' ? null : s.note,
    status: statusOf(s),
    size_gb: Math.round((s.size / 2 ** 30) * 100) / 100,
    vps_instance_id: s.vmId,
    vps_instance: { id: s.vmId, name: s.vmName },
    created_at: s.created,
    updated_at: s.created,
  }));
}

/** The status a refused restore reports: the snapshot's while it is not ready, else the VPS's; none when the caller may not read it. */
async function refusedStatus(core: Core, req: FastifyRequest, id: string): Promise<string | undefined> {
  try {
    const s = await core.vmSnapshots.rootGet(ctxOf(req, 'snapshots/vps/restore'), id);
    return s.state === 'Creating' ? 'creating' : vpsStatus(s.vmState);
  } catch {
    return undefined;
  }
}

/** The action of each method of the snapshot types that come later (their scopes are checked already). */
const STUB_ACTION: Record<string, string> = { GET: 'read', POST: 'write', PUT: 'write', DELETE: 'delete' };

const tags = ['Snapshots'];
const security = [{ bearerAuth: [] }];

/** /snapshots/vps routes, and 404 for the snapshot types that come later. */
export function snapshotRoutes(app: RestApp, core: Core): void {
  app.get(
    '/snapshots/vps',
    {
      schema: {
        summary: 'List VPS snapshots',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageOf(VpsSnapshot), ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const p = pagingOf(req.query);
      const page = await core.vmSnapshots.rootList(ctxOf(req, 'snapshots/vps/index'), {
        vmId: req.query.vps_instance_id,
        page: p.page,
        pageSize: p.perPage,
      });
      return pageAnswer(await shapes(core, page.items), page.count, p);
    },
  );
  app.post(
    '/snapshots/vps',
    {
      schema: {
        summary: 'Create a VPS snapshot',
        tags,
        security,
        body: CreateBody,
        response: { 201: Type.Object({ message: Type.String(), snapshot: VpsSnapshot }), ...COMMON_ERRORS },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req, 'snapshots/vps/store');
      const { vps_instance_id: vmId, name, description } = req.body;
      const made = await core.vmSnapshots
        .rootCreate(ctx, vmId, { name, ...(description ? { note: description } : {}) })
        .catch((err: unknown) => {
          if (err instanceof CoreError && err.kind === 'NotFound' && err.reason === 'vm')
            throw invalid('The selected vps instance id is invalid.', 'vmId');
          throw err;
        });
      const [shown] = await shapes(core, [made.snapshot]);
      return reply.code(201).send({ message: 'VPS snapshot creation initiated', snapshot: shown! });
    },
  );
  app.delete(
    '/snapshots/vps/:id',
    {
      schema: {
        summary: 'Delete a VPS snapshot',
        tags,
        security,
        params: IntParams,
        response: { 200: Message, ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const id = await objectOfNumber(core, OBJECT_TYPE, req.params.id, 'VPS snapshot');
      await core.vmSnapshots.rootDelete(ctxOf(req, 'snapshots/vps/destroy'), id);
      return { message: 'VPS snapshot deletion initiated' };
    },
  );
  app.post(
    '/snapshots/vps/:id/restore',
    {
      schema: {
        summary: 'Restore a VPS to a snapshot (the VPS must be stopped)',
        tags,
        security,
        params: IntParams,
        response: { 200: Message, ...COMMON_ERRORS },
      },
    },
    async (req, reply) => {
      const id = await objectOfNumber(core, OBJECT_TYPE, req.params.id, 'VPS snapshot');
      try {
        await core.vmSnapshots.rootRestore(ctxOf(req, 'snapshots/vps/restore'), id);
      } catch (err) {
        if (!(err instanceof CoreError && err.kind === 'Conflict' && ['wrong_state', 'busy'].includes(err.reason)))
          throw err;
        const status = await refusedStatus(core, req, id);
        return reply.code(422).send({ error: RESTORE_REFUSED, ...(status ? { status } : {}) });
      }
      return { message: 'VPS snapshot restore initiated' };
    },
  );
  for (const kind of ['database', 'cache'])
    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE'],
      url: `/snapshots/${kind}*`,
      schema: { hide: true },
      handler: async (req, reply) => {
        ctxNeeding(req, `snapshots/${kind}`, `snapshot:${STUB_ACTION[req.method] ?? 'read'}`);
        return reply
          .code(404)
          .type('application/json')
          .send({ message: `The ${kind} snapshots API is not available on this server yet.` });
      },
    });
}
