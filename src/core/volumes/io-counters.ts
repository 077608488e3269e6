/** Volume I/O counters kept in memory and added to volume_extras in batches, so a read or write costs no database write. */
import type { Store } from '../../store/db.js';

/** Counts not yet in the database, per volume. */
export interface IoDelta {
  readBytes: number;
  writeBytes: number;
  readRequests: number;
  writeRequests: number;
}

/** How long counts may wait in memory before they are written. */
const FLUSH_MS = 1000;

const EXTRAS_DEFAULTS = {
  claim_type: 'exclusive',
  readers: '',
  encryption: 'aes-xts-plain',
  media: 'disk',
  affinity: '',
};

/** Pending I/O counts; flushed a second after the first count, before any view of the counters, and on close. */
export class IoCounters {
  private pending = new Map<string, IoDelta>();
  private timer: NodeJS.Timeout | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  /** A batch is being written: its counts are in neither the map nor (yet) the database. */
  private writing = false;

  constructor(private readonly store: Store) {}

  /** Counts one read or write of bytes on a volume. */
  add(volumeId: string, dir: 'read' | 'write', bytes: number): void {
    let d = this.pending.get(volumeId);
    if (!d) this.pending.set(volumeId, (d = { readBytes: 0, writeBytes: 0, readRequests: 0, writeRequests: 0 }));
    if (dir === 'read') {
      d.readBytes += bytes;
      d.readRequests++;
    } else {
      d.writeBytes += bytes;
      d.writeRequests++;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, FLUSH_MS).unref();
  }

  /** Runs fn (a read of the counters in the database) with nothing pending for those volumes, and adds what was counted meanwhile. */
  async view<T>(
    volumeIds: string[],
    fn: () => Promise<T>,
  ): Promise<{ result: T; extra: (id: string) => IoDelta | undefined }> {
    const read = async () => {
      const result = await fn();
      const extra = new Map(
        volumeIds.flatMap((id) => {
          const d = this.pending.get(id);
          return d ? [[id, { ...d }] as const] : [];
        }),
      );
      return { result, extra: (id: string) => extra.get(id) };
    };
    if (!this.writing && !volumeIds.some((id) => this.pending.has(id))) return read();
    return this.exclusive(async () => {
      await this.write().catch(() => undefined);
      return read();
    });
  }

  /** Writes every pending count to the database; counts that fail to be written stay pending and the first error is thrown. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.exclusive(() => this.write());
  }

  private async write(): Promise<void> {
    if (!this.pending.size) return;
    this.writing = true;
    try {
      await this.writeBatch();
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const failed: Array<[string, IoDelta]> = [];
    let error: unknown;
    for (const [id, d] of batch) {
      try {
        await this.store.db
          .insertInto('volume_extras')
          .values({
            ...EXTRAS_DEFAULTS,
            volume_id: id,
            read_bytes: d.readBytes,
            write_bytes: d.writeBytes,
            read_requests: d.readRequests,
            write_requests: d.writeRequests,
          })
          .onConflict((oc) =>
            oc.column('volume_id').doUpdateSet((eb) => ({
              read_bytes: eb('volume_extras.read_bytes', '+', eb.ref('excluded.read_bytes')),
              write_bytes: eb('volume_extras.write_bytes', '+', eb.ref('excluded.write_bytes')),
              read_requests: eb('volume_extras.read_requests', '+', eb.ref('excluded.read_requests')),
              write_requests: eb('volume_extras.write_requests', '+', eb.ref('excluded.write_requests')),
            })),
          )
          .execute();
      } catch (err) {
        failed.push([id, d]);
        error ??= err;
      }
    }
    for (const [id, d] of failed) {
      const now = this.pending.get(id);
      if (!now) {
        this.pending.set(id, d);
        continue;
      }
      now.readBytes += d.readBytes;
      now.writeBytes += d.writeBytes;
      now.readRequests += d.readRequests;
      now.writeRequests += d.writeRequests;
    }
    if (failed.length) throw error;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}
