/** VPS instances: list, create (with a default firewall), show, update (profile change = resize) and delete. */
import { Type } from '@sinclair/typebox';
import { nullable } from '../nullable.js';
import type { Core } from '../../../core/core.js';
import { CoreError } from '../../../lib/errors.js';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { callerOf, ctxNeeding, ctxOf } from '../auth.js';
import {
  COMMON_ERRORS,
  PageOf,
  PageQuery,
  Refused,
  UuidParams,
  pageAnswer,
  pagingOf,
  plainPaging,
  type Paging,
} from '../envelope.js';
import { bodyAnnounced } from '../../../http/edge.js';
import { invalidAnswer } from '../errors.js';
import { objectOfNumber } from '../ids.js';
import { DEFAULT_PLAN, PLANS, planBySlug } from '../plans.js';
import { SSH_KEY_TYPE, templateOfImage, vpsShapes } from '../vps-shared.js';
import { addressesOf, datacenterOf, planOf, statusOf, VpsInstance, zoneOfDatacenter } from '../vps-view.js';
import type { RestApp } from '../app-type.js';
import { VM_LIST } from '../../../core/permissions.js';
import { AnswerCache, readAt } from '../../shared/answer-cache.js';

const tags = ['VPS'];
/** The content type of a list page. */
const JSON_TYPE = 'application/json; charset=utf-8';
const security = [{ bearerAuth: [] }];

/** Fields the profile sets: sending them is refused. */
const PROHIBITED = ['cpu_cores', 'memory_size_gb', 'storage_size_gb'];

const Configuration = Type.Object({
  auto_start: Type.Optional(Type.Boolean()),
  backup_enabled: Type.Optional(Type.Boolean()),
  monitoring_enabled: Type.Optional(Type.Boolean()),
});

const StoreBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-z0-9-]+$' }),
  resource_profile: Type.Optional(Type.String({ enum: PLANS.map((p) => p.slug), default: DEFAULT_PLAN })),
  cpu_allocation_type: Type.Optional(Type.String({ enum: ['shared', 'dedicated'] })),
  image: Type.String({ minLength: 1, maxLength: 255 }),
  network_stack: Type.Optional(Type.String({ enum: ['ipv4_only', 'ipv6_only', 'dual_stack'] })),
  datacenter: Type.String({ minLength: 1, maxLength: 64 }),
  auth_method: Type.String({ enum: ['ssh_key', 'password'] }),
  ssh_key_id: Type.Optional(nullable(Type.Integer({ minimum: 1 }))),
  password: Type.Optional(nullable(Type.String({ minLength: 12, maxLength: 128 }))),
  password_confirmation: Type.Optional(nullable(Type.String({ maxLength: 128 }))),
  configuration: Type.Optional(Configuration),
  custom_cloud_init: Type.Optional(nullable(Type.String({ maxLength: 10_000 }))),
  marketplace_app_id: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 64 }), Type.Null()])),
  windows_license_key: Type.Optional(nullable(Type.String({ maxLength: 64 }))),
});

const UpdateBody = Type.Object({
  resource_profile: Type.Optional(Type.String({ enum: PLANS.map((p) => p.slug) })),
  cpu_allocation_type: Type.Optional(Type.String({ enum: ['shared', 'dedicated'] })),
  configuration: Type.Optional(Configuration),
  automated_snapshots_enabled: Type.Optional(Type.Boolean()),
});

const ConnectionInfo = Type.Object({
  public_ip: nullable(Type.String()),
  private_ip: nullable(Type.String()),
  ipv6_address: nullable(Type.String()),
  vnc_access_url: nullable(Type.String()),
  internal_dns: nullable(Type.String()),
  internal_fqdn: nullable(Type.String()),
});

/** A 422 for one field. */
function fieldError(field: string, message: string) {
  return invalidAnswer({ [field]: [message] });
}

/** The request's checks the schema cannot state: prohibited fields, the auth method's companion, the confirmation. */
function crossCheck(body: Record<string, unknown>) {
  for (const f of PROHIBITED)
    if (body[f] !== undefined) return fieldError(f, `The ${f.replace(/_/g, ' ')} field is prohibited.`);
  if (body.auth_method === 'ssh_key' && (body.ssh_key_id === undefined || body.ssh_key_id === null))
    return fieldError('ssh_key_id', 'The ssh key id field is required when auth method is ssh_key.');
  if (body.auth_method === 'password') {
    if (typeof body.password !== 'string')
      return fieldError('password', 'The password field is required when auth method is password.');
    if (body.password_confirmation !== undefined && body.password_confirmation !== body.password)
      return fieldError('password', 'The password field confirmation does not match.');
  }
  return undefined;
}

/** The key of a kept list page (the cache adds the account): the page depends only on the account (its team number is the account's) and the paging. */
function listKey(p: Paging): string {
  return `${p.page}\n${p.perPage}`;
}

/** /vps CRUD routes. */
export function vpsRoutes(app: RestApp, core: Core): void {
  const answers = new AnswerCache(core, VM_LIST);
  // A kept page goes out from a callback hook (the caller is known by then), without a promise, the schema or the handler.
  const kept = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const caller = callerOf(req);
    const p = !bodyAnnounced(req) && core.chaos.quiet('rest') ? plainPaging(req.query) : undefined;
    const bytes =
      p &&
      answers.peek(
        { accountId: caller.principal.account.id, permissions: caller.permissions },
        listKey(p),
        req.arrivedAt,
      );
    if (bytes) reply.type(JSON_TYPE).send(bytes);
    else done();
  };
  app.get(
    '/vps',
    {
      onRequest: kept,
      schema: {
        summary: 'List VPS instances',
        tags,
        security,
        querystring: PageQuery,
        response: { 200: PageOf(VpsInstance), ...COMMON_ERRORS },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req, 'vps/index');
      const p = pagingOf(req.query);
      // Kept by data version under listKey; the cache refuses a token without vms.list's permission first.
      const text = await answers.get(
        ctx,
        listKey(p),
        async (version) => {
          const page = await core.vms.list(readAt(ctx, version), { page: p.page, pageSize: p.perPage });
          const body = pageAnswer(await vpsShapes(core, req, ctx, page.items), page.count, p);
          return { text: String(reply.serialize(body)), ok: true };
        },
        req.arrivedAt,
      );
      // Sent as the text already serialized by the route's own response schema.
      return reply.type(JSON_TYPE).send(text as never);
    },
  );

  app.post(
    '/vps',
    {
      schema: {
        summary: 'Create a VPS instance',
        tags,
        security,
        body: StoreBody,
        response: {
          201: Type.Object({ message: Type.String(), instance: VpsInstance, firewall_created: Type.Boolean() }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const bad = crossCheck(body as Record<string, unknown>);
      if (bad) return reply.code(bad.status).send(bad.body);
      const ctx = ctxOf(req, 'vps/store');
      const plan = planBySlug(body.resource_profile ?? DEFAULT_PLAN)!;
      if (body.cpu_allocation_type && body.cpu_allocation_type !== plan.type)
        return reply
          .code(422)
          .send(fieldError('cpu_allocation_type', `The ${plan.slug} profile has ${plan.type} CPUs.`).body);
      const zone = (await core.catalog.listZones()).find((z) => z.name === zoneOfDatacenter(body.datacenter));
      if (!zone) return reply.code(422).send(fieldError('datacenter', 'The selected datacenter is invalid.').body);
      const image = await templateOfImage(core, ctx, body.image);
      const offering = (await core.catalog.listServiceOfferings()).find((o) => o.name === plan.offering);
      if (!offering)
        return reply.code(422).send(fieldError('resource_profile', 'The selected resource profile is invalid.').body);
      let sshKeyName: string | undefined;
      if (body.auth_method === 'ssh_key') {
        const keyId = await objectOfNumber(core, SSH_KEY_TYPE, body.ssh_key_id!, 'SSH key').catch(() => undefined);
        const key = keyId ? await core.sshKeys.get(ctx, keyId).catch(() => undefined) : undefined;
        if (!key) return reply.code(422).send(fieldError('ssh_key_id', 'The selected ssh key id is invalid.').body);
        sshKeyName = key.name;
      }
      const firewallId = await core.firewalls.createDefaultFor(ctx, body.name);
      let created;
      try {
        created = await core.vms.create(ctx, {
          name: body.name,
          displayName: body.name,
          zoneId: zone.id,
          offeringId: offering.id,
          templateId: image.templateId,
          rootDiskSizeGb: plan.storageGb,
          sshKeyName,
          password: body.auth_method === 'password' ? body.password! : null,
          userData: body.custom_cloud_init ? Buffer.from(body.custom_cloud_init).toString('base64') : undefined,
          securityGroupIds: [firewallId],
          start: true,
        });
      } catch (err) {
        await core.firewalls.discardDefault(ctx, firewallId).catch(() => undefined);
        if (err instanceof CoreError && err.kind === 'Conflict' && err.reason === 'exists')
          return reply.code(422).send(fieldError('name', 'The name has already been taken.').body);
        throw err;
      }
      const vm = await core.vms.get(ctx, created.receipt.objectId);
      const [instance] = await vpsShapes(core, req, ctx, [vm]);
      return reply.code(201).send({
        message: 'VPS instance created successfully with default firewall',
        instance: instance!,
        firewall_created: true,
      });
    },
  );

  app.get(
    '/vps/:id',
    {
      schema: {
        summary: 'Show a VPS instance',
        tags,
        security,
        params: UuidParams,
        response: {
          200: Type.Object({ instance: VpsInstance, connection_info: ConnectionInfo, monthly_cost: Type.Number() }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (req) => {
      const ctx = ctxOf(req, 'vps/show');
      const vm = await core.vms.get(ctx, req.params.id);
      const [instance] = await vpsShapes(core, req, ctx, [vm]);
      const a = addressesOf(vm);
      return {
        instance: instance!,
        connection_info: {
          public_ip: a.publicIp,
          private_ip: a.privateIp,
          ipv6_address: a.ipv6,
          vnc_access_url: null,
          internal_dns: `${vm.name}.${datacenterOf(vm.zoneName)}.internal`,
          internal_fqdn: `${vm.name}.${vm.accountName}.${datacenterOf(vm.zoneName)}.internal`,
        },
        monthly_cost: instance!.monthly_cost_dollars,
      };
    },
  );

  app.put(
    '/vps/:id',
    {
      schema: {
        summary: 'Update a VPS instance (a new resource profile resizes it; the VPS must be stopped)',
        tags,
        security,
        params: UuidParams,
        body: UpdateBody,
        response: { 200: Type.Object({ message: Type.String(), instance: VpsInstance }), ...COMMON_ERRORS },
      },
    },
    async (req, reply) => {
      const ctx = ctxNeeding(req, 'vps/update', 'vps:write');
      let vm = await core.vms.get(ctx, req.params.id);
      const want = req.body.resource_profile ? planBySlug(req.body.resource_profile)! : undefined;
      if (want && want.slug !== planOf(vm)?.slug) {
        if (statusOf(vm) !== 'stopped')
          return reply.code(422).send({
            error: 'The VPS must be stopped to change its resource profile',
            status: statusOf(vm),
          });
        const offering = (await core.catalog.listServiceOfferings()).find((o) => o.name === want.offering);
        if (offering && offering.id !== vm.offeringId) await core.vms.resize(ctx, vm.id, offering.id);
        if (vm.rootVolumeId && want.storageGb * 1024 ** 3 > vm.rootDiskSize)
          await core.volumes.resize(ctx, vm.rootVolumeId, { sizeGb: want.storageGb });
        vm = await core.vms.get(ctx, vm.id);
      }
      const [instance] = await vpsShapes(core, req, ctx, [vm]);
      return { message: 'VPS instance update initiated', instance: instance! };
    },
  );

  app.delete(
    '/vps/:id',
    {
      schema: {
        summary: 'Delete a VPS instance',
        tags,
        security,
        params: UuidParams,
        response: {
          200: Type.Object({ message: Type.String(), status: Type.String() }),
          ...COMMON_ERRORS,
          422: Refused,
        },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req, 'vps/destroy');
      const vm = await core.vms.get(ctx, req.params.id);
      const refused = async () =>
        reply.code(422).send({
          error: 'VPS cannot be deleted in its current state',
          status: statusOf(await core.vms.get(ctx, vm.id)),
        });
      if (statusOf(vm) === 'destroying') return refused();
      try {
        await core.vms.destroy(ctx, vm.id);
      } catch (err) {
        if (
          err instanceof CoreError &&
          err.kind === 'Conflict' &&
          (err.reason === 'busy' || err.reason === 'wrong_state')
        )
          return refused();
        throw err;
      }
      return { message: 'VPS instance deletion initiated', status: 'destroying' };
    },
  );
}
