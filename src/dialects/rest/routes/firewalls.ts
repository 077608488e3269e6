/** Firewalls (UUID ids): list, create, show, update, delete, attach/detach to a VPS, deploy — the same objects CloudStack lists as security groups. */
import { Type, type Static } from '@sinclair/typebox';
import type { Core } from '../../../core/core.js';
import type { FirewallRuleInput } from '../../../core/firewalls/firewall-rules.js';
import type { FirewallView } from '../../../core/firewalls/firewall-view.js';
import { CoreError } from '../../../lib/errors.js';
import { callerOf, ctxOf } from '../auth.js';
import { COMMON_ERRORS, Message, PageOf, PageQuery, pageAnswer, pagingOf, UuidParams } from '../envelope.js';
import type { RestApp } from './index.js';

/** A rule as the API shows it. */
const FirewallRule = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  direction: Type.String(),
  protocol: Type.String(),
  port_range_start: Type.Union([Type.Integer(), Type.Null()]),
  port_range_end: Type.Union([Type.Integer(), Type.Null()]),
  source_ips: Type.Array(Type.String()),
  order: Type.Integer(),
});

/** A firewall as the API shows it (FirewallResource). */
export const Firewall = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  is_default: Type.Boolean(),
  default_action: Type.String(),
  rules: Type.Array(FirewallRule),
  created_at: Type.String(),
  updated_at: Type.String(),
  team_id: Type.Integer(),
});

const OptionalText = Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()]));
const OptionalInt = Type.Optional(Type.Union([Type.Integer(), Type.Null()]));

/** A rule as a request sends it; ranges, CIDRs and orders are checked by the core. */
const RuleBody = Type.Object({
  name: OptionalText,
  description: OptionalText,
  direction: Type.String({ enum: ['inbound', 'outbound'] }),
  protocol: Type.String({ enum: ['tcp', 'udp', 'icmp', 'any', 'gre', 'esp'] }),
  action: Type.Optional(Type.Union([Type.String({ enum: ['allow', 'deny'] }), Type.Null()])),
  port: OptionalInt,
  port_range_start: OptionalInt,
  port_range_end: OptionalInt,
  source_ips: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }), Type.Null()])),
  order: OptionalInt,
});

/** The rule list, which may be null; `nullable` (not a union) so a bad rule is reported once, at its own path. */
const Rules = Type.Optional(
  Type.Unsafe<Static<typeof RuleBody>[] | null>({ ...Type.Array(RuleBody, { maxItems: 200 }), nullable: true }),
);

/** An instance a new firewall is attached to at once; only VPS instances exist on this server so far. */
const AttachedInstance = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.String({ enum: ['vps'] }),
});

const CreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: OptionalText,
  rules: Rules,
  attached_instances: Type.Optional(Type.Array(AttachedInstance, { maxItems: 100 })),
});

const UpdateBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  description: OptionalText,
  rules: Rules,
});

/** What attach and detach name; only VPS instances exist on this server so far. */
const InstanceBody = Type.Object({
  instance_type: Type.String({ enum: ['vps'] }),
  instance_id: Type.String({ minLength: 1, maxLength: 64 }),
});

const FirewallAnswer = Type.Object({ message: Type.String(), firewall: Firewall });

/** Core field names (segments of `rules.<i>.<field>`) as the API's bodies call them. */
const FIELDS: Record<string, string> = {
  startPort: 'port_range_start',
  endPort: 'port_range_end',
  sources: 'source_ips',
  vmId: 'instance_id',
};

/** A core field path in the API's words. */
function restField(field: string): string {
  return field
    .split('.')
    .map((s) => FIELDS[s] ?? s)
    .join('.');
}

/** Runs a core call, answering its errors in this resource's words: API field names, "Firewall not found.", a taken name as Laravel's 422. */
async function inRestTerms<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (!(err instanceof CoreError)) throw err;
    if (err.kind === 'NotFound' && err.reason === 'object')
      throw new CoreError('NotFound', 'object', 'Firewall not found.');
    if (err.kind === 'Conflict' && err.reason === 'exists') {
      const taken = 'The name has already been taken.';
      throw new CoreError('Invalid', 'bad_input', taken, { name: [taken] });
    }
    if (err.kind !== 'Invalid') throw err;
    const fields: Record<string, string[]> = {};
    const rename = (m: string) => m.replace(/rules\.\d+\.\w+/g, restField);
    for (const [k, v] of Object.entries(err.fields)) fields[restField(k)] = v.map(rename);
    throw new CoreError('Invalid', 'bad_input', rename(err.message), fields);
  }
}

/** A request rule in the core's terms. */
function ruleInput(r: Static<typeof RuleBody>): FirewallRuleInput {
  return {
    name: r.name,
    description: r.description,
    action: r.action,
    direction: r.direction === 'outbound' ? 'egress' : 'ingress',
    protocol: r.protocol === 'any' ? 'all' : r.protocol,
    port: r.port,
    startPort: r.port_range_start,
    endPort: r.port_range_end,
    sources: r.source_ips,
    order: r.order,
  };
}

/** The API shape of a firewall. */
function shape(f: FirewallView, teamId: number): Static<typeof Firewall> {
  return {
    id: f.id,
    name: f.name,
    description: f.description === '' ? null : f.description,
    status: f.status,
    is_default: f.isDefault,
    default_action: f.defaultAction,
    rules: f.rules.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      action: r.action,
      direction: r.direction === 'egress' ? 'outbound' : 'inbound',
      protocol: r.protocol === 'all' ? 'any' : r.protocol,
      port_range_start: r.startPort,
      port_range_end: r.endPort,
      source_ips: r.sources,
      order: r.order,
    })),
    created_at: f.created,
    updated_at: f.updated,
    team_id: teamId,
  };
}

const tags = ['Firewalls'];
const security = [{ bearerAuth: [] }];

/** /firewalls routes. */
export function firewallRoutes(app: RestApp, core: Core): void {
  app.get(
    '/firewalls',
    {
      schema: {
        summary: 'List firewalls with their rules',
        tags,
        security,
        querystring: PageQuery,
        response: { 200: PageOf(Firewall), ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const p = pagingOf(req.query);
      const page = await core.firewalls.listFirewalls(ctxOf(req, 'firewalls/index'), {
        page: p.page,
        pageSize: p.perPage,
      });
      const teamId = callerOf(req).teamId;
      return pageAnswer(
        page.items.map((f) => shape(f, teamId)),
        page.count,
        p,
      );
    },
  );
  app.post(
    '/firewalls',
    {
      schema: {
        summary: 'Create a firewall',
        tags,
        security,
        body: CreateBody,
        response: { 201: FirewallAnswer, ...COMMON_ERRORS },
      },
    },
    async (req, reply) => {
      const { firewall } = await inRestTerms(
        core.firewalls.createFirewall(ctxOf(req, 'firewalls/store'), {
          name: req.body.name,
          description: req.body.description,
          rules: req.body.rules?.map(ruleInput),
          vmIds: req.body.attached_instances?.map((i) => i.id),
        }),
      );
      return reply
        .code(201)
        .send({ message: 'Firewall created successfully', firewall: shape(firewall, callerOf(req).teamId) });
    },
  );
  app.get(
    '/firewalls/:id',
    {
      schema: {
        summary: 'Show a firewall',
        tags,
        security,
        params: UuidParams,
        response: { 200: Type.Object({ firewall: Firewall }), ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const f = await inRestTerms(core.firewalls.firewall(ctxOf(req, 'firewalls/show'), req.params.id));
      return { firewall: shape(f, callerOf(req).teamId) };
    },
  );
  app.put(
    '/firewalls/:id',
    {
      schema: {
        summary: 'Update a firewall (rules, when given, replace all of its rules)',
        tags,
        security,
        params: UuidParams,
        body: UpdateBody,
        response: { 200: FirewallAnswer, ...COMMON_ERRORS },
      },
    },
    async (req) => {
      const { firewall } = await inRestTerms(
        core.firewalls.update(ctxOf(req, 'firewalls/update'), req.params.id, {
          name: req.body.name,
          description: req.body.description,
          rules: req.body.rules?.map(ruleInput),
        }),
      );
      return { message: 'Firewall updated successfully', firewall: shape(firewall, callerOf(req).teamId) };
    },
  );
  app.delete(
    '/firewalls/:id',
    {
      schema: {
        summary: 'Delete a firewall (refused while it is attached to an instance)',
        tags,
        security,
        params: UuidParams,
        response: { 200: Message, ...COMMON_ERRORS },
      },
    },
    async (req, reply) => {
      try {
        await inRestTerms(core.firewalls.delete(ctxOf(req, 'firewalls/destroy'), { id: req.params.id }));
      } catch (err) {
        if (err instanceof CoreError && err.kind === 'Conflict' && err.reason === 'in_use')
          return reply
            .code(422)
            .send({ error: 'The firewall is attached to instances and cannot be deleted. Detach it first.' });
        if (err instanceof CoreError && err.kind === 'Invalid') return reply.code(422).send({ error: err.message });
        throw err;
      }
      return { message: 'Firewall deleted successfully' };
    },
  );
  const instanceAction = (action: 'attach' | 'detach', summary: string, message: string) =>
    app.post(
      `/firewalls/:id/${action}`,
      {
        schema: {
          summary,
          tags,
          security,
          params: UuidParams,
          body: InstanceBody,
          response: { 200: Message, ...COMMON_ERRORS },
        },
      },
      async (req) => {
        const ctx = ctxOf(req, `firewalls/${action}`);
        await inRestTerms(core.firewalls[action](ctx, req.params.id, req.body.instance_id));
        return { message };
      },
    );
  instanceAction('attach', 'Attach a firewall to a VPS instance', 'Firewall attachment initiated');
  instanceAction('detach', 'Detach a firewall from a VPS instance', 'Firewall detached successfully');
  app.post(
    '/firewalls/:id/deploy',
    {
      schema: {
        summary: 'Deploy a firewall to its instances',
        tags,
        security,
        params: UuidParams,
        response: { 200: Message, ...COMMON_ERRORS },
      },
    },
    async (req) => {
      await inRestTerms(core.firewalls.deploy(ctxOf(req, 'firewalls/deploy'), req.params.id));
      return { message: 'Firewall deployment initiated' };
    },
  );
}
