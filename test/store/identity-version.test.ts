import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type KyselyPlugin } from 'kysely';
import { startTestEnv, TEST_DB, type TestEnv } from '../support/runtime.js';
import { pgDataVersion } from '../../src/store/data-versions.js';
import type { CallContext } from '../../src/lib/context.js';

let env: TestEnv;
let ctx: CallContext;
before(async () => {
  env = await startTestEnv();
  const a = await env.rt.core.accounts.createAccount('versioned');
  ctx = {
    accountId: a.account.id,
    accountName: 'versioned',
    userId: null,
    isAdmin: false,
    requestId: 't',
    origin: 't',
  };
});
after(async () => {
  await env.close();
});

/** Both versions as a request that begins now sees them. */
async function versions(): Promise<{ all: number; identity: number }> {
  env.rt.store.requestBegins();
  const all = await env.rt.store.dataVersion();
  const identity = await env.rt.store.dataVersion('identity');
  assert.ok(all !== undefined && identity !== undefined);
  return { all, identity };
}

test('deploying a VM moves the data version but not the identity version credential lookups are kept by', async () => {
  const before = await versions();
  const made = await env.rt.core.vms.create(ctx, { name: 'kept-a', size: {} });
  await env.rt.engine.wait(made.receipt.taskId, 10_000);
  const after = await versions();
  assert.ok(after.all > before.all, 'the VM write moved the data version lists are kept by');
  assert.equal(after.identity, before.identity, 'credential lookups stay valid while VMs are written');
});

test('creating a user, changing an account and numbering an object each move the identity version', async () => {
  let last = await versions();
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['user', () => env.rt.core.accounts.createAccount('versioned-2')],
    [
      'account',
      () =>
        env.rt.store.db.updateTable('accounts').set({ state: 'disabled' }).where('id', '=', ctx.accountId).execute(),
    ],
    ['alias', () => env.rt.core.aliases.numbers('virtual machine', 'test', ['some-object'])],
  ];
  for (const [what, step] of steps) {
    await step();
    const now = await versions();
    assert.ok(now.identity > last.identity, `${what}: the identity version moved`);
    assert.ok(now.all > last.all, `${what}: the data version moved too`);
    last = now;
  }
});

/**
 * A PostgreSQL version reader whose first read is held in the client after the database ran it (a read that began
 * before whatever the test commits next), then a commit bumping the data version; reads counts the reads answered.
 */
async function heldReadThenCommit(): Promise<{
  read: ReturnType<typeof pgDataVersion>['read'];
  earlier: Promise<number | undefined>;
  bumped: number;
  release(): void;
  reads(): number;
}> {
  let entered!: () => void;
  const inFlight = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reads = 0;
  const holdFirst: KyselyPlugin = {
    transformQuery: (args) => args.node,
    async transformResult(args) {
      if (++reads === 1) {
        entered();
        await released;
      }
      return args.result;
    },
  };
  const read = pgDataVersion(env.rt.store.db.withPlugin(holdFirst)).read;
  const earlier = read();
  await inFlight;
  const bumped = await env.rt.store.tx(async (trx) => {
    const r = await sql<{ version: number | string }>`update data_versions set version = version + 1
      where scope = '*' returning version`.execute(trx);
    return Number(r.rows[0]!.version);
  });
  return { read, earlier, bumped, release, reads: () => reads };
}

test(
  'PostgreSQL: a version read that begins while an earlier one is in flight sees a commit made in between',
  {
    skip: TEST_DB !== 'postgres' && 'the PostgreSQL reader shares reads between concurrent callers',
  },
  async () => {
    const { read, earlier, bumped, release } = await heldReadThenCommit();
    const later = read();
    release();
    assert.equal(await earlier, bumped - 1, 'the held read ran before the commit');
    assert.equal(await later, bumped, 'a read begun after the commit was answered by the read begun before it');
  },
);

test(
  'PostgreSQL: a caller giving its arrival reuses a version read sent after it, never one sent before it',
  { skip: TEST_DB !== 'postgres' && 'the PostgreSQL reader shares reads between concurrent callers' },
  async () => {
    const { read, earlier, bumped, release, reads } = await heldReadThenCommit();
    const arrived = performance.now();
    const later = read('*', arrived);
    const sameRequest = read('identity', arrived);
    release();
    assert.equal(await earlier, bumped - 1);
    assert.equal(await later, bumped, 'the read in flight was sent before the arrival: not used');
    assert.ok((await sameRequest) !== undefined);
    assert.equal(reads(), 2, 'the second call of the request used the read sent after its arrival');
    assert.equal(await read('*', arrived), bumped, 'so does a call after that read ended');
    assert.equal(reads(), 2);
    await read('*', performance.now());
    assert.equal(reads(), 3, 'a request arriving after every read sent reads again');
  },
);

test(
  'a transaction moves each version it touched once at commit, also when its first write was in a rolled-back savepoint',
  { skip: TEST_DB !== 'postgres' },
  async () => {
    const db = env.rt.store.db;
    const tags = (n: number, key: string) =>
      Array.from({ length: n }, (_, i) => ({
        id: `tag-${key}-${i}`,
        resource_id: `v-${key}-${i}`,
        resource_type: 'UserVm',
        account_id: ctx.accountId,
        key: `${key}${i}`,
        value: 'x',
        customer: null,
        created_at: new Date().toISOString(),
      }));
    const start = await versions();
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('tags').values(tags(50, 'many')).execute();
      await trx.updateTable('accounts').set({ name: 'versioned' }).where('id', '=', ctx.accountId).execute();
    });
    const many = await versions();
    assert.equal(many.all, start.all + 1, 'fifty tags and an account row: one bump of the data version');
    assert.equal(many.identity, start.identity + 1, 'and one of the identity version');

    await db.transaction().execute(async (trx) => {
      await sql`savepoint undone`.execute(trx);
      await trx.insertInto('tags').values(tags(1, 'undone')).execute();
      await sql`rollback to savepoint undone`.execute(trx);
      await trx.insertInto('tags').values(tags(1, 'kept')).execute();
    });
    const afterSavepoint = await versions();
    assert.equal(afterSavepoint.all, many.all + 1, 'the write after the rolled-back savepoint still bumps');

    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('tags').values(tags(1, 'rolled')).execute();
        throw new Error('roll back');
      }),
    );
    assert.equal((await versions()).all, afterSavepoint.all, 'a rolled-back transaction bumps nothing');
  },
);
