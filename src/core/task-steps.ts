/** What the core's task steps (the handlers next to each resource) are built from, and how they read their task's inputs. */
import type { Store } from '../store/db.js';
import type { TaskRow } from '../store/schema.js';
import type { ComputeDriver } from '../drivers/compute/driver.js';
import type { VolumeStorage } from '../drivers/storage/storage.js';
import { parseJson } from '../lib/util.js';
import type { CoreDeps } from './deps.js';

/** What every handler is built from: the engine's store, the compute driver and, when volumes have data, their storage. */
export interface HandlerDeps {
  store: Store;
  driver: ComputeDriver;
  storage?: VolumeStorage;
  /** The core's dependencies over the engine's store, for steps that create objects through the core's own paths (pool members). */
  core: CoreDeps;
}

/** The task's payload object. */
export function payloadOf<T extends object>(task: TaskRow): T {
  return parseJson<T>(task.payload, {} as T);
}
