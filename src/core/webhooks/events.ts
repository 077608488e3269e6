/**
 * Webhook events: every task that ends (synchronous changes included) is looked at once, in the transaction that ends
 * it, and a VPS, firewall or snapshot change of an account with an enabled webhook becomes one pending delivery. So
 * every dialect's changes produce events without code of their own, and an event is queued exactly when its change
 * commits.
 */
import type { Q } from '../../store/db.js';
import type { EndedTask } from '../../tasks/observers.js';
import { newId, nowIso, parseJson } from '../../lib/util.js';

/** Every event a webhook receives. */
export const WEBHOOK_EVENTS = [
  'vps.defined',
  'vps.created',
  'vps.started',
  'vps.stopped',
  'vps.rebooted',
  'vps.resized',
  'vps.reinstalled',
  'vps.migrated',
  'vps.password_reset',
  'vps.updated',
  'vps.undeployed',
  'vps.deleted',
  'vps.failed',
  'firewall.created',
  'firewall.updated',
  'firewall.deleted',
  'snapshot.created',
  'snapshot.updated',
  'snapshot.restored',
  'snapshot.deleted',
  'snapshot.failed',
] as const;

/** One of WEBHOOK_EVENTS. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The kind of object an event is about, as the payload's data.object names it. */
export type WebhookObject = 'vps' | 'firewall' | 'snapshot';

/** The JSON body of one delivery. */
export interface WebhookPayload {
  id: string;
  event: WebhookEvent;
  created_at: string;
  team_id: string;
  data: { object: WebhookObject; id: string; name: string | null; status: string | null };
}

/** What a successful VM task did. */
const VM_TASK_EVENTS: Record<string, WebhookEvent> = {
  'vm.create': 'vps.created',
  'vm.start': 'vps.started',
  'vm.stop': 'vps.stopped',
  'vm.reboot': 'vps.rebooted',
  'vm.destroy': 'vps.deleted',
  'vm.restore': 'vps.reinstalled',
  'vm.scale': 'vps.resized',
  'vm.reset_password': 'vps.password_reset',
  'vm.migrate': 'vps.migrated',
  'vm.undeploy': 'vps.undeployed',
  'vm.nic_add': 'vps.updated',
  'vm.nic_remove': 'vps.updated',
};

/** What a synchronous change of a VM did, by its log action (others are vps.updated). */
const VM_SYNC_EVENTS: Record<string, WebhookEvent | null> = {
  'sync.define': 'vps.defined',
  'sync.delete_definition': 'vps.deleted',
  'sync.change_offering': 'vps.resized',
  'sync.reshape': 'vps.resized',
  'sync.reset_password': 'vps.password_reset',
  'sync.snapshot_sync': null,
};

/** The event an ended task is, and the object it is about; null when it is none (another resource, a cancel). */
function eventOf(ended: EndedTask): { event: WebhookEvent; object: WebhookObject; id: string } | null {
  const { task, status, action } = ended;
  if (status === 'REVOKED') return null;
  const failed = status === 'FAILURE';
  if (task.object_type === 'virtual machine') {
    const vps = (event: WebhookEvent | null | undefined) =>
      event ? { event, object: 'vps' as const, id: task.object_id } : null;
    if (task.kind === 'sync') return vps(action in VM_SYNC_EVENTS ? VM_SYNC_EVENTS[action] : 'vps.updated');
    return vps(failed ? (task.kind.startsWith('vm.') ? 'vps.failed' : null) : VM_TASK_EVENTS[task.kind]);
  }
  if (task.object_type === 'security group' && task.kind === 'sync') {
    const event =
      action === 'sync.create'
        ? 'firewall.created'
        : action === 'sync.delete'
          ? 'firewall.deleted'
          : 'firewall.updated';
    return { event, object: 'firewall', id: task.object_id };
  }
  if (task.kind === 'snapshot.create' || task.kind === 'snapshot.revert') {
    const id = parseJson<{ snapshotId?: string }>(task.payload, {}).snapshotId;
    if (!id) return null;
    const event = failed
      ? 'snapshot.failed'
      : task.kind === 'snapshot.create'
        ? 'snapshot.created'
        : 'snapshot.restored';
    return { event, object: 'snapshot', id };
  }
  if (task.object_type === 'snapshot' && task.kind === 'sync') {
    return {
      event: action === 'sync' ? 'snapshot.deleted' : 'snapshot.updated',
      object: 'snapshot',
      id: task.object_id,
    };
  }
  return null;
}

/** The name and status of the object as the event leaves it (a deleted object keeps its last name where known). */
async function describe(
  q: Q,
  object: WebhookObject,
  id: string,
  event: WebhookEvent,
  payload: string,
): Promise<{ name: string | null; status: string | null }> {
  if (object === 'vps') {
    const vm = await q.selectFrom('vms').select(['display_name', 'state']).where('id', '=', id).executeTakeFirst();
    return { name: vm?.display_name ?? null, status: event === 'vps.deleted' ? 'deleted' : (vm?.state ?? null) };
  }
  if (object === 'firewall') {
    const g = await q.selectFrom('security_groups').select('name').where('id', '=', id).executeTakeFirst();
    const name = g?.name ?? parseJson<{ name?: string }>(payload, {}).name ?? null;
    return { name, status: event === 'firewall.deleted' ? 'deleted' : 'active' };
  }
  const s = await q
    .selectFrom('snapshots')
    .select(['name', 'state', 'removed_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return { name: s?.name ?? null, status: s ? snapshotStatus(s.state, s.removed_at) : null };
}

/** A snapshot's status in the words DanubeData uses. */
function snapshotStatus(state: string, removedAt: string | null): string {
  if (removedAt) return 'deleted';
  if (state === 'BackedUp') return 'ready';
  if (state === 'Creating') return 'creating';
  return 'failed';
}

/** The task-end observer: queues one delivery for each ended task that is an event of an account with an enabled webhook. */
export async function queueWebhookEvents(q: Q, ended: EndedTask[]): Promise<void> {
  const events = ended.flatMap((e) => {
    const spec = eventOf(e);
    return spec ? [{ ended: e, spec }] : [];
  });
  if (events.length === 0) return;
  const configs = await q
    .selectFrom('webhook_configs')
    .select(['account_id', 'url'])
    .where('account_id', 'in', [...new Set(events.map((e) => e.ended.task.account_id))])
    .where('enabled', '=', 1)
    .execute();
  const urlOf = new Map<string, string>();
  for (const c of configs) if (c.url && !urlOf.has(c.account_id)) urlOf.set(c.account_id, c.url);
  for (const { ended: e, spec } of events) {
    const url = urlOf.get(e.task.account_id);
    if (url) await queueDelivery(q, e, spec, url);
  }
}

/** Writes the pending delivery of one event to the account's webhook. */
async function queueDelivery(q: Q, ended: EndedTask, spec: NonNullable<ReturnType<typeof eventOf>>, url: string) {
  const accountId = ended.task.account_id;
  const { name, status } = await describe(q, spec.object, spec.id, spec.event, ended.task.payload);
  const id = newId();
  const now = nowIso();
  const body: WebhookPayload = {
    id,
    event: spec.event,
    created_at: now,
    team_id: accountId,
    data: { object: spec.object, id: spec.id, name, status },
  };
  await q
    .insertInto('webhook_deliveries')
    .values({
      id,
      account_id: accountId,
      event: spec.event,
      url,
      payload: JSON.stringify(body),
      signature: null,
      state: 'pending',
      attempts: 0,
      next_attempt_at: Date.now(),
      response_status: null,
      response_body: null,
      error_message: null,
      delivered_at: null,
      failed_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}
