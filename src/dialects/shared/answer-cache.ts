/**
 * Rendered answers of read-only list calls, kept by the data version they were read under: one is sent again only
 * while no change has been committed since, so a dialect skips rendering without ever answering stale. Answers are
 * kept as UTF-8 bytes: a text would be measured and encoded again by every send.
 */
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import { VersionedLru } from '../../lib/versioned-lru.js';
import { SharedRuns } from '../../lib/shared-runs.js';

/** Renders an answer's text under a data version; ok false keeps it out of the cache. */
type Render = (version?: number) => Promise<{ text: string; ok: boolean }>;

/** The context a render uses: its core reads take the answer's version instead of reading it again (one round trip fewer on PostgreSQL). */
export function readAt(ctx: CallContext, version: number | undefined): CallContext {
  return version === undefined ? ctx : { ...ctx, dataVersion: version };
}

/** Answer bytes bounded by their size (0 MiB turns the cache off). */
export class AnswerCache {
  private readonly texts: VersionedLru<Buffer>;
  private readonly maxBytes: number;
  /** Renders under way, by version and key: requests that miss together share one render instead of each making its own. */
  private readonly rendering = new SharedRuns<Buffer>();

  constructor(
    private readonly core: Core,
    maxMb = core.deps.config.answerCacheMb,
  ) {
    this.maxBytes = maxMb * 1024 * 1024;
    this.texts = new VersionedLru(this.maxBytes);
  }

  /**
   * The answer for key: the cached bytes while the data is unchanged since it was rendered, else render()'s text (kept
   * when ok); render is given the version it renders under (undefined when none could be read), for readAt. since is
   * when the request arrived (FastifyRequest.arrivedAt): a version read sent after it is used.
   */
  async get(key: string, render: Render, since?: number): Promise<Buffer> {
    if (this.maxBytes === 0) return Buffer.from((await render()).text);
    const version = await this.core.dataVersion(since);
    if (version === undefined) return Buffer.from((await render()).text);
    const hit = this.texts.get(key, version);
    if (hit !== undefined) return hit;
    return this.rendering.run(`${version}\n${key}`, async () => {
      const { text, ok } = await render(version);
      const bytes = Buffer.from(text);
      if (ok) this.texts.set(key, version, bytes, bytes.length + key.length * 2);
      return bytes;
    });
  }

  /** Like get, for answers that show live counters (traffic read from the hypervisor): kept only within the current second, so counters are never more than a second old. */
  metered(key: string, render: Render, since?: number): Promise<Buffer> {
    return this.get(`${key}\n@${Math.floor(Date.now() / 1000)}`, render, since);
  }
}
