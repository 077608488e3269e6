/** Per-key serialization within one process: work on one VM or one volume runs one step at a time. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs fn after every earlier call with the same key has settled; a failure does not block later calls. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.tails.set(key, next);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === next) this.tails.delete(key);
    }
  }
}
