/**
 * The core's permission guard: every dialect-facing service call made with a restricted CallContext (a REST token with
 * scopes, an IAM API key with operations) is checked here, so no dialect can forget a check and a restricted credential
 * can do nothing, through any path, that its permissions do not allow. Token scopes are checked against one table of
 * service methods; IAM operations against the operation the dialect names for the call. Calls the table does not know,
 * and calls of a restricted key that name no operation or one it lacks, are refused (deny by default).
 */
import { CoreError } from '../lib/errors.js';
import type { CallContext } from '../lib/context.js';
import { operationGranted } from './iam/operations.js';

/** What a permission allows on its resource. */
export type PermissionAction = 'read' | 'write' | 'delete';

/** The resources permissions are granted on, with the actions each has (webhooks cannot be deleted, only disabled). */
export const PERMISSION_RESOURCES = {
  vps: ['read', 'write', 'delete'],
  database: ['read', 'write', 'delete'],
  cache: ['read', 'write', 'delete'],
  storage: ['read', 'write', 'delete'],
  firewall: ['read', 'write', 'delete'],
  snapshot: ['read', 'write', 'delete'],
  'ssh-key': ['read', 'write', 'delete'],
  webhook: ['read', 'write'],
} as const satisfies Record<string, readonly PermissionAction[]>;

/** A resource permissions are granted on. */
export type PermissionResource = keyof typeof PERMISSION_RESOURCES;

/** Every permission there is, `<resource>:<action>`. */
export const ALL_PERMISSIONS: readonly string[] = Object.entries(PERMISSION_RESOURCES).flatMap(([r, acts]) =>
  acts.map((a) => `${r}:${a}`),
);

/** The permissions a new token gets when none are chosen: read access to the main resources. */
export const DEFAULT_PERMISSIONS: readonly string[] = ['vps:read', 'database:read', 'cache:read', 'storage:read'];

/** Predefined roles: Editor reads and writes everything, Admin may also delete. */
export const ROLES = {
  editor: ALL_PERMISSIONS.filter((p) => !p.endsWith(':delete')),
  admin: ALL_PERMISSIONS,
} as const satisfies Record<string, readonly string[]>;

/** A predefined role. */
export type Role = keyof typeof ROLES;

/** The unknown permissions among ps (empty when all are valid). */
export function unknownPermissions(ps: readonly string[]): string[] {
  return ps.filter((p) => !ALL_PERMISSIONS.includes(p));
}

/** A resource's plural for messages ("Insufficient permissions to read snapshots"). */
const PLURAL: Record<PermissionResource, string> = {
  vps: 'VPS instances',
  database: 'databases',
  cache: 'cache instances',
  storage: 'storage',
  firewall: 'firewalls',
  snapshot: 'snapshots',
  'ssh-key': 'SSH keys',
  webhook: 'webhooks',
};

/** Which permission each guarded service method needs, by service field of Core and method name. */
const TABLE: Record<string, Record<string, `${PermissionResource}:${PermissionAction}`>> = {
  vms: {
    list: 'vps:read',
    get: 'vps:read',
    row: 'vps:read',
    bySerial: 'vps:read',
    byNameOrId: 'vps:read',
    liveStatus: 'vps:read',
    pendingTasks: 'vps:read',
    extras: 'vps:read',
    revealPassword: 'vps:read',
    password: 'vps:read',
    encryptedPassword: 'vps:read',
    create: 'vps:write',
    start: 'vps:write',
    stop: 'vps:write',
    reboot: 'vps:write',
    resize: 'vps:write',
    changeOffering: 'vps:write',
    reshape: 'vps:write',
    restore: 'vps:write',
    update: 'vps:write',
    resetPassword: 'vps:write',
    destroy: 'vps:delete',
  },
  vmMetrics: { of: 'vps:read' },
  /** A VPS's PTR names; elastic IPs' are not granted to restricted credentials (as the IPs themselves are not). */
  reverseDns: { forVm: 'vps:read', setForVm: 'vps:write', deleteForVm: 'vps:write' },
  /** Pool members are VPS instances. */
  instancePools: {
    list: 'vps:read',
    get: 'vps:read',
    create: 'vps:write',
    update: 'vps:write',
    scale: 'vps:write',
    destroy: 'vps:delete',
  },
  /** A VPS's root disk grows with its profile. */
  volumes: { resize: 'vps:write' },
  tasks: { log: 'vps:read' },
  firewalls: {
    list: 'firewall:read',
    get: 'firewall:read',
    listFirewalls: 'firewall:read',
    firewall: 'firewall:read',
    createFirewall: 'firewall:write',
    createDefaultFor: 'vps:write',
    discardDefault: 'vps:write',
    create: 'firewall:write',
    authorize: 'firewall:write',
    revoke: 'firewall:write',
    update: 'firewall:write',
    replaceRules: 'firewall:write',
    attach: 'firewall:write',
    detach: 'firewall:write',
    deploy: 'firewall:write',
    delete: 'firewall:delete',
  },
  sshKeys: {
    list: 'ssh-key:read',
    get: 'ssh-key:read',
    idsByName: 'vps:read',
    create: 'ssh-key:write',
    register: 'ssh-key:write',
    delete: 'ssh-key:delete',
  },
  snapshots: {
    list: 'snapshot:read',
    get: 'snapshot:read',
    row: 'snapshot:read',
    create: 'snapshot:write',
    setNote: 'snapshot:write',
    revert: 'snapshot:write',
    delete: 'snapshot:delete',
  },
  vmSnapshots: {
    disk: 'snapshot:read',
    list: 'snapshot:read',
    get: 'snapshot:read',
    rootList: 'snapshot:read',
    rootGet: 'snapshot:read',
    sync: 'snapshot:write',
    create: 'snapshot:write',
    rollback: 'snapshot:write',
    restoreTo: 'snapshot:write',
    setNote: 'snapshot:write',
    rootCreate: 'snapshot:write',
    rootRestore: 'snapshot:write',
    delete: 'snapshot:delete',
    rootDelete: 'snapshot:delete',
  },
  webhooks: {
    config: 'webhook:read',
    deliveries: 'webhook:read',
    configure: 'webhook:write',
    regenerateSecret: 'webhook:write',
  },
};

/** True when v looks like a CallContext (the first argument of every context-taking service method). */
function isContext(v: unknown): v is CallContext {
  return typeof v === 'object' && v !== null && typeof (v as CallContext).accountId === 'string' && 'origin' in v;
}

/** Throws Forbidden (reason permission) unless ctx is unrestricted or holds permission. */
export function requirePermission(ctx: CallContext, permission: string): void {
  if (!ctx.permissions || ctx.permissions.has(permission)) return;
  const [resource, action] = permission.split(':') as [PermissionResource, PermissionAction];
  throw new CoreError(
    'Forbidden',
    'permission',
    `Insufficient permissions to ${action} ${PLURAL[resource] ?? resource}`,
    { permission: [permission] },
  );
}

/**
 * Throws Forbidden (reason permission) when ctx is a restricted IAM key's and its operation is missing or not granted;
 * dialects call it before anything else of a request runs, and the guard again on every service call.
 */
export function requireOperation(ctx: CallContext): void {
  if (operationHeld(ctx)) return;
  const op = ctx.operation;
  throw new CoreError(
    'Forbidden',
    'permission',
    op === undefined
      ? 'This API key may not perform an operation that is not named'
      : `This API key is not allowed to perform ${op}`,
    { operation: [op ?? ''] },
  );
}

/** Whether ctx's IAM key is unrestricted or granted the operation ctx names. */
function operationHeld(ctx: Restrictions): boolean {
  if (!ctx.operations) return true;
  return ctx.operation !== undefined && operationGranted(ctx.operations, ctx.operation);
}

/** What the guard checks of a caller: a CallContext's restrictions, which a synchronous path can give without building one. */
export type Restrictions = Pick<CallContext, 'permissions' | 'operations' | 'operation'>;

/** A guarded core service method, `core[service][method]`. */
export interface GuardedCall {
  service: string;
  method: string;
}

/** The call a kept VM list stands in for, named once for every dialect that keeps one. */
export const VM_LIST: GuardedCall = { service: 'vms', method: 'list' };

/** The permission the table lists for call, if any. */
function neededFor(call: GuardedCall | undefined): `${PermissionResource}:${PermissionAction}` | undefined {
  return call && TABLE[call.service]?.[call.method];
}

/** Refuses a restricted caller a call the table does not list (none named: an answer that stands for no listed call). */
function unlisted(call: GuardedCall | undefined): CoreError {
  const what = call ? `${call.service}.${call.method}` : 'this call';
  return new CoreError('Forbidden', 'permission', `This credential may not call ${what}`, { permission: [] });
}

/**
 * Throws what core's guard throws when ctx may not make call: the IAM operation ctx names, then the permission the
 * table lists for call (a restricted caller is refused a call the table does not list, or none). For answers kept in
 * place of a guarded call, which would otherwise skip its guard.
 */
export function requireCall(ctx: CallContext, call: GuardedCall | undefined): void {
  requireOperation(ctx);
  if (!ctx.permissions) return;
  const needed = neededFor(call);
  if (!needed) throw unlisted(call);
  requirePermission(ctx, needed);
}

/** requireCall without the throw, for a synchronous path that leaves the refusal to the usual one. */
export function mayCall(ctx: Restrictions, call: GuardedCall | undefined): boolean {
  if (!operationHeld(ctx)) return false;
  if (!ctx.permissions) return true;
  const needed = neededFor(call);
  return needed !== undefined && ctx.permissions.has(needed);
}

/**
 * Wraps a service so that each method called with a restricted context first checks the IAM operation of the call and
 * the permission the table names; unrestricted calls (and calls that take no context) go straight through.
 */
function guarded<S extends object>(name: string, service: S): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(service, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const call = { service: name, method: prop };
        fn = function (this: unknown, ...args: unknown[]) {
          const ctx = args[0];
          if (isContext(ctx)) requireCall(ctx, call);
          return (value as (...a: unknown[]) => unknown).apply(this === receiver ? target : this, args);
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}

/** Replaces each named service field of holder by its guarded form (internal references keep the raw services). */
export function guardServices<H extends object>(holder: H, names: readonly (keyof H & string)[]): void {
  for (const n of names) {
    (holder as Record<string, unknown>)[n] = guarded(n, holder[n] as object);
  }
}
