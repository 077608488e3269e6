/** Write-behind for streamed volume writes: a call is answered once all its bytes are received and queued, while the last pieces still go to disk; at most PENDING_MAX bytes per volume wait like this, a failure is reported to the next call on the volume, and every read, copy or close waits for them first. */
import type { VolumeWriter } from './storage.js';

/** Bytes of answered writes per volume that may still be on their way to the disk. */
const PENDING_MAX = 16 * 1024 * 1024;

/** One answered write still on its way to the disk. */
interface Pending {
  start: number;
  end: number;
  done: Promise<void>;
}

/** A volume's writes: bytes reserved (queued or on their way), the answered ones not yet on disk, and a failure not yet reported. */
interface Lane {
  reserved: number;
  pending: Set<Pending>;
  failure?: { err: unknown };
  waiters: Array<() => void>;
}

/** Tracks the answered-but-unwritten writes of each volume. */
export class WriteBehind {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly max = PENDING_MAX) {}

  /** Wraps the writer of length bytes at offset of volume id: its first chunk waits for room and for earlier writes over the same bytes (and reports an earlier failure); finish resolves once every byte is queued. */
  wrap(id: string, offset: number, length: number, inner: VolumeWriter): VolumeWriter {
    let admitted = false;
    let given = 0;
    let broken = false;
    let held = false;
    const unreserve = () => {
      if (!held) return;
      held = false;
      const lane = this.lanes.get(id);
      if (!lane) return;
      lane.reserved -= length;
      this.wake(id, lane);
    };
    return {
      write: async (chunk) => {
        if (!admitted) {
          await this.admit(id, offset, length);
          admitted = held = true;
        }
        try {
          await inner.write(chunk);
        } catch (err) {
          broken = true;
          throw err;
        }
        given += chunk.length;
      },
      finish: async () => {
        if (!admitted || broken || given !== length) {
          try {
            return await inner.finish();
          } finally {
            unreserve();
          }
        }
        const lane = this.lane(id);
        const entry: Pending = { start: offset, end: offset + length, done: Promise.resolve() };
        entry.done = inner.finish().then(
          () => undefined,
          (err: unknown) => {
            lane.failure ??= { err };
          },
        );
        lane.pending.add(entry);
        void entry.done.finally(() => {
          lane.pending.delete(entry);
          unreserve();
        });
      },
      abort: async () => {
        try {
          await inner.abort();
        } finally {
          unreserve();
        }
      },
    };
  }

  /** Waits until the answered writes of volume id over [offset, offset+length) are on disk (all of them without a range), then throws a failure not yet reported. */
  async flush(id: string, offset = 0, length = Infinity): Promise<void> {
    const lane = this.lanes.get(id);
    if (!lane) return;
    await this.settle(lane, offset, offset + length);
    this.report(id, lane);
  }

  /** Waits for the answered writes of every volume; throws the first failure not yet reported. */
  async flushAll(): Promise<void> {
    let first: { err: unknown } | undefined;
    for (const [id, lane] of [...this.lanes]) {
      await this.settle(lane, 0, Infinity);
      if (lane.failure) first ??= lane.failure;
      lane.failure = undefined;
      this.wake(id, lane);
    }
    if (first) throw first.err;
  }

  /** Waits for the answered writes of volume id to stop (after they were cancelled) and forgets its failure. */
  async forget(id: string): Promise<void> {
    const lane = this.lanes.get(id);
    if (!lane) return;
    await this.settle(lane, 0, Infinity);
    lane.failure = undefined;
    this.wake(id, lane);
  }

  private async admit(id: string, offset: number, length: number): Promise<void> {
    let lane = this.lane(id);
    while (lane.reserved > 0 && lane.reserved + length > this.max) {
      const waiting = lane;
      await new Promise<void>((resolve) => waiting.waiters.push(resolve));
      lane = this.lane(id);
    }
    lane.reserved += length;
    try {
      await this.settle(lane, offset, offset + length);
      this.report(id, lane);
    } catch (err) {
      lane.reserved -= length;
      this.wake(id, lane);
      throw err;
    }
  }

  private async settle(lane: Lane, start: number, end: number): Promise<void> {
    for (;;) {
      const over = [...lane.pending].filter((p) => p.start < end && start < p.end);
      if (!over.length) return;
      await Promise.all(over.map((p) => p.done));
    }
  }

  private report(id: string, lane: Lane): void {
    const failure = lane.failure;
    if (!failure) return;
    lane.failure = undefined;
    this.wake(id, lane);
    throw failure.err;
  }

  private lane(id: string): Lane {
    let lane = this.lanes.get(id);
    if (!lane) this.lanes.set(id, (lane = { reserved: 0, pending: new Set(), waiters: [] }));
    return lane;
  }

  /** Lets waiting writes try again, and drops the lane once nothing is left in it. */
  private wake(id: string, lane: Lane): void {
    for (const w of lane.waiters.splice(0)) w();
    if (!lane.reserved && !lane.pending.size && !lane.failure && this.lanes.get(id) === lane) this.lanes.delete(id);
  }
}
