/** Applies the numbered migrations in order, once each, under a lock when PostgreSQL is shared. */
import { sql, type Kysely } from 'kysely';
import type { Store } from './db.js';
import type { MigrationContext } from './migration-context.js';
import * as m0001 from './migrations/0001-initial.js';
import * as m0002 from './migrations/0002-live-indexes.js';
import * as m0003 from './migrations/0003-cvm.js';
import * as m0004 from './migrations/0004-cloudsigma.js';
import * as m0005 from './migrations/0005-cloudsigma-pools.js';
import * as m0006 from './migrations/0006-vm-usage-log.js';
import * as m0007 from './migrations/0007-settings.js';
import * as m0008 from './migrations/0008-account-limits.js';
import * as m0009 from './migrations/0009-nic-unique-macs.js';
import * as m0010 from './migrations/0010-aliases.js';
import * as m0012 from './migrations/0012-neutral-result-types.js';
import * as m0013 from './migrations/0013-neutral-vm-result-types.js';
import * as m0014 from './migrations/0014-vm-definitions.js';
import * as m0015 from './migrations/0015-callbacks.js';
import * as m0016 from './migrations/0016-task-cancel.js';
import * as m0017 from './migrations/0017-backups-schedules.js';
import * as m0018 from './migrations/0018-danube-identity.js';
import * as m0019 from './migrations/0019-danube-infra.js';
import * as m0020 from './migrations/0020-user-profile.js';
import * as m0021 from './migrations/0021-vm-home-host.js';
import * as m0022 from './migrations/0022-api-tokens.js';
import * as m0023 from './migrations/0023-webhooks.js';
import * as m0024 from './migrations/0024-firewall-rules.js';
import * as m0025 from './migrations/0025-data-versions.js';
import * as m0028 from './migrations/0028-chaos.js';
import * as m0029 from './migrations/0029-versioned-keys-credentials.js';
import * as m0030 from './migrations/0030-dns.js';
import * as m0031 from './migrations/0031-iam-api-keys.js';
import * as m0032 from './migrations/0032-reverse-dns.js';
import * as m0033 from './migrations/0033-instance-pools.js';
import * as m0034 from './migrations/0034-versioned-extras-traffic.js';
import * as m0035 from './migrations/0035-vm-serial-sequence.js';
import * as m0036 from './migrations/0036-identity-version.js';
import * as m0037 from './migrations/0037-task-notify-trigger.js';
import * as m0038 from './migrations/0038-tasks-pending-order.js';
import * as m0039 from './migrations/0039-data-version-once-per-tx.js';
import * as m0040 from './migrations/0040-drop-public-ip-reverse-dns.js';
import * as m0041 from './migrations/0041-live-vm-names.js';

interface Migration {
  name: string;
  up(db: Kysely<any>, ctx: MigrationContext): Promise<void>;
}

const MIGRATIONS: Migration[] = [
  { name: '0001-initial', up: m0001.up },
  { name: '0002-live-indexes', up: m0002.up },
  { name: '0003-cvm', up: m0003.up },
  { name: '0004-cloudsigma', up: m0004.up },
  { name: '0005-cloudsigma-pools', up: m0005.up },
  { name: '0006-vm-usage-log', up: m0006.up },
  { name: '0007-settings', up: m0007.up },
  { name: '0008-account-limits', up: m0008.up },
  { name: '0009-nic-unique-macs', up: m0009.up },
  { name: '0010-aliases', up: m0010.up },
  { name: '0012-neutral-result-types', up: m0012.up },
  { name: '0013-neutral-vm-result-types', up: m0013.up },
  { name: '0014-vm-definitions', up: m0014.up },
  { name: '0015-callbacks', up: m0015.up },
  { name: '0016-task-cancel', up: m0016.up },
  { name: '0017-backups-schedules', up: m0017.up },
  { name: '0018-danube-identity', up: m0018.up },
  { name: '0019-danube-infra', up: m0019.up },
  { name: '0020-user-profile', up: m0020.up },
  { name: '0021-vm-home-host', up: m0021.up },
  { name: '0022-api-tokens', up: m0022.up },
  { name: '0023-webhooks', up: m0023.up },
  { name: '0024-firewall-rules', up: m0024.up },
  { name: '0025-data-versions', up: m0025.up },
  { name: '0028-chaos', up: m0028.up },
  { name: '0029-versioned-keys-credentials', up: m0029.up },
  { name: '0030-dns', up: m0030.up },
  { name: '0031-iam-api-keys', up: m0031.up },
  { name: '0032-reverse-dns', up: m0032.up },
  { name: '0033-instance-pools', up: m0033.up },
  { name: '0034-versioned-extras-traffic', up: m0034.up },
  { name: '0035-vm-serial-sequence', up: m0035.up },
  { name: '0036-identity-version', up: m0036.up },
  { name: '0037-task-notify-trigger', up: m0037.up },
  { name: '0038-tasks-pending-order', up: m0038.up },
  { name: '0039-data-version-once-per-tx', up: m0039.up },
  { name: '0040-drop-public-ip-reverse-dns', up: m0040.up },
  { name: '0041-live-vm-names', up: m0041.up },
];

/** Brings the schema up to date; safe to call from several processes at once on PostgreSQL. */
export async function migrate(store: Store): Promise<string[]> {
  const ctx: MigrationContext = { dialect: store.kind };
  return store.db.transaction().execute(async (trx) => {
    if (store.kind === 'postgres') {
      await sql`select pg_advisory_xact_lock(727274)`.execute(trx);
      // Data-version triggers are deferred to commit; a migration that changes rows and then alters their table must not leave them pending.
      await sql`set constraints all immediate`.execute(trx);
    }
    await trx.schema
      .createTable('nube_migrations')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .execute();
    const done = new Set(
      (await (trx as Kysely<any>).selectFrom('nube_migrations').select('name').execute()).map(
        (r: { name: string }) => r.name,
      ),
    );
    const applied: string[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.name)) continue;
      await m.up(trx as Kysely<any>, ctx);
      await (trx as Kysely<any>)
        .insertInto('nube_migrations')
        .values({ name: m.name, applied_at: new Date().toISOString() })
        .execute();
      applied.push(m.name);
    }
    return applied;
  });
}
