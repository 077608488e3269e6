/** Writes under way per volume, so that removing a volume first stops them: nothing they would still write reaches the disk after the volume is gone. */
import { conflict, type CoreError } from '../../lib/errors.js';
import type { VolumeWriter } from './storage.js';

/** One write under way: how to stop it and wait until it no longer touches the volume. */
interface Entry {
  stop(): Promise<void>;
}

/** What a write stopped by the removal of its volume is told. */
function removedDuringWrite(): CoreError {
  return conflict('The volume was removed while it was being written; nothing more was written', 'gone');
}

/** Tracks streamed writers and one-shot writes by volume id; cancel stops the writers and waits for the one-shot writes. */
export class OpenWriters {
  private readonly byVolume = new Map<string, Set<Entry>>();

  /** Wraps a streamed writer: once its volume is cancelled, its chunks and its finish are refused with removedDuringWrite. */
  track(id: string, inner: VolumeWriter): VolumeWriter {
    let cancelled = false;
    let busy: Promise<unknown> = Promise.resolve();
    const entry: Entry = {
      stop: async () => {
        cancelled = true;
        await Promise.allSettled([inner.abort(), busy]);
      },
    };
    this.add(id, entry);
    const step = async (fn: () => Promise<void>): Promise<void> => {
      if (cancelled) throw removedDuringWrite();
      const p = fn();
      busy = p;
      try {
        await p;
      } catch (err) {
        throw cancelled ? removedDuringWrite() : err;
      }
      if (cancelled) throw removedDuringWrite();
    };
    return {
      write: (chunk) => step(() => inner.write(chunk)),
      finish: async () => {
        try {
          await step(() => inner.finish());
        } finally {
          this.drop(id, entry);
        }
      },
      abort: async () => {
        try {
          await inner.abort();
        } finally {
          this.drop(id, entry);
        }
      },
    };
  }

  /** Runs a one-shot write of the volume so that cancel waits for it. */
  async run<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const p = fn();
    const entry: Entry = {
      stop: async () => {
        await p.catch(() => undefined);
      },
    };
    this.add(id, entry);
    try {
      return await p;
    } finally {
      this.drop(id, entry);
    }
  }

  /** Stops every streamed write of the volume and waits until no write under way touches it. */
  async cancel(id: string): Promise<void> {
    const entries = [...(this.byVolume.get(id) ?? [])];
    await Promise.all(entries.map((e) => e.stop()));
  }

  private add(id: string, entry: Entry): void {
    let set = this.byVolume.get(id);
    if (!set) this.byVolume.set(id, (set = new Set()));
    set.add(entry);
  }

  private drop(id: string, entry: Entry): void {
    const set = this.byVolume.get(id);
    if (!set) return;
    set.delete(entry);
    if (!set.size) this.byVolume.delete(id);
  }
}
