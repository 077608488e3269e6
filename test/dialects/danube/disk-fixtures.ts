/** Fixtures of the Danube snapshot and backup tests: an account's context and its VMs, made through the core. */
import assert from 'node:assert/strict';
import type { DanubeEnv } from '../../support/danube.js';
import type { CallContext } from '../../../src/lib/context.js';
import type { TaskReceipt } from '../../../src/core/receipt.js';

/** The context of the account's owner, as a dialect would build it. */
export async function ownerContext(d: DanubeEnv, account: string): Promise<CallContext> {
  const acct = await d.env.rt.store.db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('name', '=', account)
    .executeTakeFirstOrThrow();
  return {
    accountId: acct.id,
    accountName: acct.name,
    userId: null,
    isAdmin: false,
    requestId: 'test',
    origin: 'test',
  };
}

/** Waits for a core task and asserts it succeeded. */
export async function finished(d: DanubeEnv, receipt: TaskReceipt): Promise<void> {
  const task = await d.env.rt.core.deps.tasks.wait(receipt.taskId, 10_000);
  assert.equal(task?.status, 'SUCCESS', task?.error ?? 'task did not finish');
}

/** A VM of the context's account named hostname (running when start) and its root volume id. */
export async function makeVm(
  d: DanubeEnv,
  ctx: CallContext,
  hostname: string,
  start = false,
): Promise<{ id: string; root: string }> {
  const core = d.env.rt.core;
  const zone = (await core.catalog.listZones())[0]!;
  const offering = (await core.catalog.listServiceOfferings())[0]!;
  const template = (await core.catalog.visibleTemplates(ctx, 'featured')).find((t) => /Linux/.test(t.name))!;
  const { receipt } = await core.vms.create(ctx, {
    name: hostname,
    zoneId: zone.id,
    offeringId: offering.id,
    templateId: template.id,
    start,
  });
  await finished(d, receipt);
  const root = (await core.volumes.list(ctx, { vmId: receipt.objectId })).items[0]!.id;
  return { id: receipt.objectId, root };
}
