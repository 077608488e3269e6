/** What core services are built from: the store, configuration, secrets, catalog and a way to wake the task engine. */
import type { Store } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import type { CancelOutcome } from '../tasks/cancel.js';
import type { Config } from '../config.js';
import type { MasterKey } from './accounts/secrets.js';
import type { CatalogService } from './catalog/service.js';
import type { VolumeStorage } from '../drivers/storage/storage.js';
import type { ChaosSnapshots } from '../store/chaos.js';
import type { ComputeDriver, DriverSeed } from '../drivers/compute/driver.js';

/** The slice of the task engine the core uses: wake it after enqueueing, wait for a task to end, cancel one. */
export interface TaskWaker {
  wake(): void;
  wait(taskId: string, timeoutMs: number): Promise<TaskRow | undefined>;
  cancel(taskId: string, detail?: string): Promise<CancelOutcome>;
}

/** Shared dependencies of every core service. */
export interface CoreDeps {
  store: Store;
  config: Config;
  secrets: MasterKey;
  catalog: CatalogService;
  tasks: TaskWaker;
  /** Volume and snapshot bytes; absent means volumes carry no data. */
  storage?: VolumeStorage;
  /** The compute driver, for reads (status, metrics) and operator actions; absent in tools that run none. */
  driver?: ComputeDriver;
  /** The chaos snapshot shared with the sim driver (one generator per process); absent: the core makes its own. */
  chaos?: ChaosSnapshots;
  /** What the compute driver brings to the catalog (its templates, its hosts' capacity), for a reset that seeds it again. */
  driverSeed?: () => Promise<DriverSeed | null>;
}
