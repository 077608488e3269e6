/** Firewalls (UUID ids): list, create, show, update, delete, attach/detach to a VPS, deploy — the same objects CloudStack lists as security groups. */
import { Type } from '@sinclair/typebox';
import type { Core } from '../../../core/core.js';
import { CoreError } from '../../../lib/errors.js';
import { callerOf, ctxOf } from '../auth.js';
import { COMMON_ERRORS, Message, PageOf, PageQuery, pageAnswer, pagingOf, UuidParams } from '../envelope.js';
import {
  CreateBody,
  Firewall,
  FirewallAnswer,
  firewallShape as shape,
  InstanceBody,
  ruleInput,
  UpdateBody,
} from '../firewall-shapes.js';
import type { RestApp } from '../app-type.js';

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
          return reply.code(422).send({
            error: 'The firewall is in use (attached to an instance or named by another rule) and cannot be deleted.',
          });
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
