/** Work in flight by key: callers that ask for the same key while it runs share its one promise instead of repeating it. */
export class SharedRuns<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** The promise of the run under key when one is under way, else run()'s, shared until it settles. */
  async run(key: string, run: () => Promise<T>): Promise<T> {
    const shared = this.running.get(key);
    if (shared) return shared;
    const mine = run();
    this.running.set(key, mine);
    try {
      return await mine;
    } finally {
      this.running.delete(key);
    }
  }
}
