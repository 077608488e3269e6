/** Operator-wide counts for monitoring: tasks by kind and status, live VMs by state; each is one grouped query, read when metrics are scraped. */
import type { Store } from '../store/db.js';

/** Tasks of one kind in one status, and when the oldest of them was created. */
export interface TaskCount {
  kind: string;
  status: string;
  count: number;
  oldestCreated: string;
}

/** Live (not expunged) VMs in one state. */
export interface VmStateCount {
  state: string;
  count: number;
}

/** Reads counts across all accounts; never called on a request path of a dialect. */
export class StatsService {
  constructor(private readonly store: Store) {}

  /** Every task kind and status with its count and oldest creation time. */
  async tasks(): Promise<TaskCount[]> {
    const rows = await this.store.db
      .selectFrom('tasks')
      .select((eb) => [
        'kind',
        'status',
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.min('created_at').as('oldest'),
      ])
      .groupBy(['kind', 'status'])
      .execute();
    return rows.map((r) => ({ kind: r.kind, status: r.status, count: Number(r.n), oldestCreated: String(r.oldest) }));
  }

  /** Live VMs per state. */
  async vms(): Promise<VmStateCount[]> {
    const rows = await this.store.db
      .selectFrom('vms')
      .where('removed_at', 'is', null)
      .select((eb) => ['state', eb.fn.countAll<number | string>().as('n')])
      .groupBy('state')
      .execute();
    return rows.map((r) => ({ state: r.state, count: Number(r.n) }));
  }
}
