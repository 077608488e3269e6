/** VPS actions: start, stop, reboot, reinstall, and the status and password read-outs. */
import { Type } from '@sinclair/typebox';
import { nullable } from '../nullable.js';
import type { FastifyReply } from 'fastify';
import type { Core } from '../../../core/core.js';
import type { VmView } from '../../../core/vms/model.js';
import type { CallContext } from '../../../lib/context.js';
import { CoreError } from '../../../lib/errors.js';
import type { TaskReceipt } from '../../../core/receipt.js';
import { ctxNeeding, ctxOf } from '../auth.js';
import { ActionStarted, COMMON_ERRORS, Refused, UuidParams } from '../envelope.js';
import { templateOfImage } from '../vps-shared.js';
import { abilities, addressesOf, statusAnswer, statusOf } from '../vps-view.js';
import type { RestApp } from '../app-type.js';

const tags = ['VPS'];
const security = [{ bearerAuth: [] }];

/** One power action: its path, the ability it needs, its words and the core call. */
interface PowerAction {
  path: string;
  ability: keyof ReturnType<typeof abilities>;
  verb: string;
  status: string;
  run(core: Core, ctx: CallContext, vm: VmView): Promise<TaskReceipt>;
}

const ACTIONS: PowerAction[] = [
  {
    path: 'start',
    ability: 'can_be_started',
    verb: 'started',
    status: 'starting',
    run: (c, x, v) => c.vms.start(x, v.id),
  },
  {
    path: 'stop',
    ability: 'can_be_stopped',
    verb: 'stopped',
    status: 'stopping',
    run: (c, x, v) => c.vms.stop(x, v.id),
  },
  {
    path: 'reboot',
    ability: 'can_be_rebooted',
    verb: 'rebooted',
    status: 'rebooting',
    run: (c, x, v) => c.vms.reboot(x, v.id),
  },
];

/** The refusal of an action the VPS's status does not allow. */
function refuse(reply: FastifyReply, verb: string, vm: VmView) {
  return reply.code(422).send({ error: `VPS cannot be ${verb} in its current state`, status: statusOf(vm) });
}

/** True for the core's "not now" answers (wrong state, busy), which the API reports as a refused state change. */
function notNow(err: unknown): boolean {
  return err instanceof CoreError && err.kind === 'Conflict' && (err.reason === 'wrong_state' || err.reason === 'busy');
}

/** /vps/{id}/start|stop|reboot|reinstall|status|password. */
export function vpsActionRoutes(app: RestApp, core: Core): void {
  for (const a of ACTIONS) {
    app.post(
      `/vps/:id/${a.path}`,
      {
        schema: {
          summary: `${a.path.charAt(0).toUpperCase()}${a.path.slice(1)} a VPS instance`,
          tags,
          security,
          params: UuidParams,
          response: { 200: ActionStarted, ...COMMON_ERRORS, 422: Refused },
        },
      },
      async (req, reply) => {
        const ctx = ctxNeeding(req, `vps/${a.path}`, 'vps:write');
        const vm = await core.vms.get(ctx, req.params.id);
        if (!abilities(statusOf(vm))[a.ability]) return refuse(reply, a.verb, vm);
        try {
          await a.run(core, ctx, vm);
        } catch (err) {
          if (notNow(err)) return refuse(reply, a.verb, await core.vms.get(ctx, vm.id));
          throw err;
        }
        return { message: `VPS ${a.path} initiated`, status: a.status };
      },
    );
  }

  app.post(
    '/vps/:id/reinstall',
    {
      schema: {
        summary: 'Reinstall a VPS instance with a fresh OS (all data is destroyed)',
        tags,
        security,
        params: UuidParams,
        body: Type.Object({
          image: Type.String({ minLength: 1, maxLength: 255 }),
          custom_cloud_init: Type.Optional(nullable(Type.String({ maxLength: 10_000 }))),
        }),
        response: { 200: ActionStarted, ...COMMON_ERRORS, 422: Type.Union([Refused, COMMON_ERRORS[422]]) },
      },
    },
    async (req, reply) => {
      const ctx = ctxNeeding(req, 'vps/reinstall', 'vps:write');
      const vm = await core.vms.get(ctx, req.params.id);
      const s = statusOf(vm);
      if (s !== 'running' && s !== 'stopped') return refuse(reply, 'reinstalled', vm);
      const image = await templateOfImage(core, ctx, req.body.image);
      const init = req.body.custom_cloud_init;
      try {
        if (init !== undefined)
          await core.vms.update(ctx, vm.id, { userData: init ? Buffer.from(init).toString('base64') : '' });
        await core.vms.restore(ctx, vm.id, image.templateId, Math.round(vm.rootDiskSize / 1024 ** 3));
      } catch (err) {
        if (notNow(err)) return refuse(reply, 'reinstalled', await core.vms.get(ctx, vm.id));
        throw err;
      }
      return {
        message: 'VPS reinstall initiated. All data will be destroyed and a fresh OS will be installed.',
        status: 'reinstalling',
      };
    },
  );

  app.get(
    '/vps/:id/status',
    {
      schema: {
        summary: 'The status of a VPS instance and what it can do next',
        tags,
        security,
        params: UuidParams,
        response: {
          200: Type.Object({
            status: Type.String(),
            status_label: Type.String(),
            status_color: Type.String(),
            can_be_started: Type.Boolean(),
            can_be_stopped: Type.Boolean(),
            can_be_rebooted: Type.Boolean(),
            can_be_destroyed: Type.Boolean(),
            is_transitional: Type.Boolean(),
            updated_at: Type.String(),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (req) => statusAnswer(await core.vms.get(ctxOf(req, 'vps/status'), req.params.id)),
  );

  app.get(
    '/vps/:id/password',
    {
      schema: {
        summary: 'The root password of a VPS instance that uses password authentication',
        tags,
        security,
        params: UuidParams,
        response: {
          200: Type.Object({
            password: Type.String(),
            username: Type.String(),
            public_ip: nullable(Type.String()),
            auth_method: Type.String(),
          }),
          ...COMMON_ERRORS,
          422: Type.Object({ error: Type.String() }),
        },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req, 'vps/password');
      const vm = await core.vms.get(ctx, req.params.id);
      const password = await core.vms.password(ctx, vm.id);
      if (!password)
        return reply.code(422).send({ error: 'This VPS uses SSH key authentication. No password is stored.' });
      return { password, username: 'root', public_ip: addressesOf(vm).publicIp, auth_method: 'password' };
    },
  );
}
