/** The emulator's whole-state operations for operators and test suites: reset to a fresh catalog, save and load. */
import type { Readable } from 'node:stream';
import type { CoreDeps } from '../deps.js';
import type { AccountService, CreatedAccount } from '../accounts/service.js';
import type { VolumeService } from '../volumes/service.js';
import { quiesceTasks } from './quiesce.js';
import { ADMIN_ACCOUNT, resetTables } from './reset.js';
import { saveState } from './save.js';
import { loadState, type LoadedState } from './load.js';
import { syncSerialSequence } from '../../store/vm-serials.js';

/** What a reset did: tasks cancelled, the admin kept or issued anew (its new credentials, shown once), and how long it took. */
export interface ResetResult {
  cancelledTasks: number;
  adminKept: boolean;
  admin?: CreatedAccount;
  ms: number;
}

/** Reset, save and load of everything the store and the volume storage hold; admin-only, so it takes no CallContext. */
export class StateService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly accounts: AccountService,
    private readonly volumes: VolumeService,
  ) {}

  /** Back to a fresh catalog: running tasks cancelled first, every account but admin gone with its objects and bytes; with credentials, admin's are issued anew. */
  async reset(opts: { credentials?: boolean } = {}): Promise<ResetResult> {
    const t0 = performance.now();
    const cancelledTasks = await quiesceTasks(this.deps, 'Cancelled by a reset');
    await this.volumes.flushCounters();
    const outcome = await this.deps.store.tx((trx) => resetTables(this.deps, trx, !opts.credentials));
    await this.afterReplace();
    const storage = this.deps.storage;
    if (storage) for (const f of await storage.files()) await storage.discard(f);
    const admin = opts.credentials
      ? await this.accounts.createAccount(ADMIN_ACCOUNT, {
          email: outcome.adminEmail ?? 'admin@nube.local',
          admin: true,
        })
      : undefined;
    return { cancelledTasks, adminKept: outcome.adminKept, admin, ms: Math.round(performance.now() - t0) };
  }

  /** The state as a tar stream (see archive.ts), read consistently while the server keeps serving. */
  async save(): Promise<Readable> {
    await this.volumes.flushCounters();
    return saveState(this.deps);
  }

  /** Replaces the whole state with an archive's, after checking all of it; a refused file changes nothing. */
  async load(input: Readable): Promise<LoadedState> {
    const loaded = await loadState(this.deps, input, async () => {
      await quiesceTasks(this.deps, 'Cancelled by a state load');
      await this.volumes.flushCounters();
    });
    await this.afterReplace();
    return loaded;
  }

  /** In-process caches that are not keyed by the data version forget what they held; VM serials go on from the new state's. */
  private async afterReplace(): Promise<void> {
    this.deps.catalog.invalidate();
    this.deps.driver?.faults?.forget();
    await syncSerialSequence(this.deps.store.db, this.deps.store.kind);
  }
}
