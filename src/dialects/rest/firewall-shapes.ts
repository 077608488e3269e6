/** The REST firewall shapes: FirewallResource, the request bodies, and conversions between them and the core's firewall terms. */
import { Type, type Static } from '@sinclair/typebox';
import { nullable } from './nullable.js';
import type { FirewallRuleInput } from '../../core/firewalls/firewall-rules.js';
import type { FirewallView } from '../../core/firewalls/firewall-view.js';

/** A rule as the API shows it. */
const FirewallRule = Type.Object({
  id: Type.String(),
  name: nullable(Type.String()),
  description: nullable(Type.String()),
  action: Type.String(),
  direction: Type.String(),
  protocol: Type.String(),
  port_range_start: nullable(Type.Integer()),
  port_range_end: nullable(Type.Integer()),
  source_ips: Type.Array(Type.String()),
  order: Type.Integer(),
});

/** A firewall as the API shows it (FirewallResource). */
export const Firewall = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: nullable(Type.String()),
  status: Type.String(),
  is_default: Type.Boolean(),
  default_action: Type.String(),
  rules: Type.Array(FirewallRule),
  created_at: Type.String(),
  updated_at: Type.String(),
  team_id: Type.Integer(),
});

const OptionalText = Type.Optional(nullable(Type.String({ maxLength: 255 })));
const OptionalInt = Type.Optional(nullable(Type.Integer()));

/** A rule as a request sends it; ranges, CIDRs and orders are checked by the core. */
export const RuleBody = Type.Object({
  name: OptionalText,
  description: OptionalText,
  direction: Type.String({ enum: ['inbound', 'outbound'] }),
  protocol: Type.String({ enum: ['tcp', 'udp', 'icmp', 'any', 'gre', 'esp'] }),
  action: Type.Optional(nullable(Type.String({ enum: ['allow', 'deny'] }))),
  port: OptionalInt,
  port_range_start: OptionalInt,
  port_range_end: OptionalInt,
  source_ips: Type.Optional(nullable(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }))),
  order: OptionalInt,
});

/** The rule list, which may be null. */
const Rules = Type.Optional(nullable(Type.Array(RuleBody, { maxItems: 200 })));

/** An instance a new firewall is attached to at once; only VPS instances exist on this server so far. */
const AttachedInstance = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.String({ enum: ['vps'] }),
});

/** The body of POST /firewalls. */
export const CreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: OptionalText,
  rules: Rules,
  attached_instances: Type.Optional(Type.Array(AttachedInstance, { maxItems: 100 })),
});

/** The body of PUT /firewalls/{id}: absent fields stay, given rules replace them all. */
export const UpdateBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  description: OptionalText,
  rules: Rules,
});

/** What attach and detach name; only VPS instances exist on this server so far. */
export const InstanceBody = Type.Object({
  instance_type: Type.String({ enum: ['vps'] }),
  instance_id: Type.String({ minLength: 1, maxLength: 64 }),
});

/** `{message, firewall}`: the answer of create and update. */
export const FirewallAnswer = Type.Object({ message: Type.String(), firewall: Firewall });

/** A request rule in the core's terms. */
export function ruleInput(r: Static<typeof RuleBody>): FirewallRuleInput {
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
export function firewallShape(f: FirewallView, teamId: number): Static<typeof Firewall> {
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
