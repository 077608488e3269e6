/** Receipt checks of the core tests: one mutating core call leaves exactly the one finished task its receipt names. */
import assert from 'node:assert/strict';
import type { TestEnv } from './runtime.js';
import type { TaskReceipt } from '../../src/core/receipt.js';
import type { CallContext } from '../../src/lib/context.js';

/** What the task tables hold now: every task id, and how many log entries carry no task. */
async function tables(env: TestEnv): Promise<{ tasks: Set<string>; untasked: number }> {
  const db = env.rt.store.db;
  const tasks = new Set((await db.selectFrom('tasks').select('id').execute()).map((t) => t.id));
  const untasked = await db
    .selectFrom('task_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('task_id', 'is', null)
    .executeTakeFirstOrThrow();
  return { tasks, untasked: Number(untasked.n) };
}

/** Runs one mutating core call and returns its answer; `receiptOf` finds the receipt in it (the answer itself by default). */
export type Once = <T>(label: string, call: () => Promise<T>, receiptOf?: (r: T) => TaskReceipt) => Promise<T>;

/**
 * A checker for calls made as `ctx` in the test runtime `envOf` gives (both are set up once tests start): each call must leave exactly one task, finished with SUCCESS and of ctx's account,
 * that its receipt names, and the task log must hold its two entries (created, finished) and nothing without a task.
 */
export function receiptChecker(envOf: () => TestEnv, ctx: () => CallContext): Once {
  return async (label, call, receiptOf = (r) => r as TaskReceipt) => {
    const env = envOf();
    const before = await tables(env);
    const out = await call();
    const receipt = receiptOf(out);
    assert.equal(typeof receipt.objectId, 'string', `${label}: the receipt names the object`);
    await env.rt.core.deps.tasks.wait(receipt.taskId, 10_000);
    const now = await tables(env);
    const added = [...now.tasks].filter((id) => !before.tasks.has(id));
    assert.deepEqual(added, [receipt.taskId], `${label}: exactly one new task, the receipt's`);
    assert.equal(now.untasked, before.untasked, `${label}: no task-log entry without a task`);
    const db = env.rt.store.db;
    const task = await db.selectFrom('tasks').selectAll().where('id', '=', receipt.taskId).executeTakeFirstOrThrow();
    assert.equal(task.status, 'SUCCESS', `${label}: the task finished`);
    assert.equal(task.account_id, ctx().accountId, `${label}: the task is the caller's`);
    const log = await db
      .selectFrom('task_log')
      .select('status')
      .where('task_id', '=', receipt.taskId)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      log.map((l) => l.status),
      ['PENDING', 'SUCCESS'],
      `${label}: created and finished in the task log`,
    );
    return out;
  };
}

/** The call context of the test env's user alice, as a dialect would build it (no user id, not an admin). */
export function aliceContext(env: TestEnv, origin: string): Promise<CallContext> {
  return accountContext(env, 'alice', origin);
}

/** The call context of an existing account by name, as a dialect would build it (no user id, not an admin). */
export async function accountContext(env: TestEnv, name: string, origin: string): Promise<CallContext> {
  const acct = await env.rt.store.db
    .selectFrom('accounts')
    .select(['id', 'name'])
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return { accountId: acct.id, accountName: acct.name, userId: null, isAdmin: false, requestId: 'test', origin };
}
