/** Sequential read-ahead for volume reads: when a read starts where the previous one of the volume ended, the next range of the same length is read while the caller sends this one; any change of the volume during or since that read discards it, so a read never sees old bytes. */

/** Volumes whose next range may be held at once (one range each). */
const MAX_AHEAD = 8;
/** Volumes whose last read end is remembered. */
const MAX_TRACKED = 1024;

/** A range read ahead, valid while the volume's epoch is unchanged. */
interface Ahead {
  offset: number;
  length: number;
  epoch: number;
  data: Promise<Buffer | undefined>;
}

/** Read-ahead state of every volume: change epochs, changes under way, last read ends and the ranges read ahead. */
export class ReadAhead {
  private readonly epochs = new Map<string, number>();
  private readonly busy = new Map<string, number>();
  private readonly ends = new Map<string, number>();
  private readonly ahead = new Map<string, Ahead>();
  /** Epochs only grow: every change takes the next value of clock; volumes not in epochs are at base. */
  private clock = 0;
  private base = 0;

  /** Marks the start of a change of volume id; call the returned function once the change is on disk (or failed). */
  begin(id: string): () => void {
    this.bump(id);
    this.busy.set(id, (this.busy.get(id) ?? 0) + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const n = (this.busy.get(id) ?? 1) - 1;
      if (n > 0) this.busy.set(id, n);
      else this.busy.delete(id);
      this.bump(id);
    };
  }

  /** Reads [offset, offset+length) with load, from a range read ahead when it matches; starts reading the next range when this read follows the previous one and the next range fits in size. */
  async read(
    id: string,
    offset: number,
    length: number,
    size: number | undefined,
    load: (offset: number, length: number) => Promise<Buffer>,
  ): Promise<Buffer> {
    const sequential = this.ends.get(id) === offset;
    this.ends.delete(id);
    if (this.ends.size >= MAX_TRACKED) this.ends.clear();
    this.ends.set(id, offset + length);
    const held = this.ahead.get(id);
    this.ahead.delete(id);
    const epoch = this.epoch(id);
    const next = offset + length;
    if (sequential && size !== undefined && next + length <= size && !this.busy.has(id)) {
      if (this.ahead.size >= MAX_AHEAD) this.ahead.delete(this.ahead.keys().next().value!);
      const data = load(next, length).catch(() => undefined);
      this.ahead.set(id, { offset: next, length, epoch, data });
    }
    if (held && held.offset === offset && held.length === length && held.epoch === epoch) {
      const got = await held.data;
      if (got && this.epoch(id) === epoch) return got;
    }
    return load(offset, length);
  }

  /** Forgets everything about volume id (it was removed). */
  forget(id: string): void {
    this.bump(id);
    this.ends.delete(id);
  }

  private epoch(id: string): number {
    return this.epochs.get(id) ?? this.base;
  }

  /** Moves the volume to a new epoch (every volume, when too many are tracked) and drops what was read ahead of it. */
  private bump(id: string): void {
    this.ahead.delete(id);
    if (this.epochs.size >= MAX_TRACKED && !this.epochs.has(id)) {
      this.base = ++this.clock;
      this.epochs.clear();
      this.ahead.clear();
    }
    this.epochs.set(id, ++this.clock);
  }
}
