/**
 * Rendered answers of read-only list calls, kept by the data version they were read under: one is sent again only
 * while no change has been committed since, so a dialect skips rendering without ever answering stale.
 */
import type { Core } from '../../core/core.js';

interface Entry {
  version: number;
  text: string;
  bytes: number;
}

/** A least-recently-used cache of answer texts, bounded by their size (0 MiB turns it off). */
export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private held = 0;
  private readonly maxBytes: number;

  constructor(
    private readonly core: Core,
    maxMb = core.deps.config.answerCacheMb,
  ) {
    this.maxBytes = maxMb * 1024 * 1024;
  }

  /** The answer for key: the cached text while the data is unchanged since it was rendered, else render()'s text (kept when ok). */
  async get(key: string, render: () => Promise<{ text: string; ok: boolean }>): Promise<string> {
    if (this.maxBytes === 0) return (await render()).text;
    const version = await this.core.dataVersion();
    if (version === undefined) return (await render()).text;
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.text;
    }
    const { text, ok } = await render();
    if (ok) this.put(key, { version, text, bytes: text.length * 2 + key.length * 2 });
    return text;
  }

  private put(key: string, entry: Entry): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.held -= old.bytes;
    }
    if (entry.bytes > this.maxBytes) return;
    this.entries.set(key, entry);
    this.held += entry.bytes;
    while (this.held > this.maxBytes) {
      const [oldest, e] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.held -= e.bytes;
    }
  }
}
