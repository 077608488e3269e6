/**
 * Rendered answers of read-only list calls, kept by the data version they were read under: one is sent again only
 * while no change has been committed since, so a dialect skips rendering without ever answering stale. Answers are
 * kept as UTF-8 bytes: a text would be measured and encoded again by every send. A kept answer stands in for the core
 * call that rendered it, so the cache itself applies that call's guard and keeps each account's answers apart: no
 * route can hand a kept answer to a caller the call would refuse, or to another account.
 */
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import { mayCall, requireCall, type GuardedCall, type Restrictions } from '../../core/permissions.js';
import { VersionedLru } from '../../lib/versioned-lru.js';
import { SharedRuns } from '../../lib/shared-runs.js';

/** Renders an answer's text under a data version; ok false keeps it out of the cache. */
type Render = (version?: number) => Promise<{ text: string; ok: boolean }>;

/** Answer bytes and when their render began (the cache's clock), which bounds the age of the live counters they show. */
interface Kept {
  bytes: Buffer;
  at: number;
}

/** How long a metered answer is sent after its render began: the counters it shows are never older. */
const METERED_MS = 1000;
/** Past this age a metered answer is still sent, and its successor is rendered in the background, so that under steady traffic no request waits for a render. */
const REFRESH_MS = 500;

/** The context a render uses: its core reads take the answer's version instead of reading it again (one round trip fewer on PostgreSQL). */
export function readAt(ctx: CallContext, version: number | undefined): CallContext {
  return version === undefined ? ctx : { ...ctx, dataVersion: version };
}

/** Who asks for a kept answer: the account it is kept under and what core's guard checks (a CallContext is one). */
export type Asker = Restrictions & Pick<CallContext, 'accountId'>;

/** How a cache is sized and timed; tests give their own. */
export interface AnswerCacheOptions {
  /** Size bound in MiB (0 turns the cache off); the configured answerCacheMb by default. */
  maxMb?: number;
  /** Milliseconds on a monotonic clock. */
  clock?: () => number;
}

/** Answer bytes bounded by their size (0 MiB turns the cache off). */
export class AnswerCache {
  private readonly texts: VersionedLru<Kept>;
  private readonly maxBytes: number;
  private readonly clock: () => number;
  /** Renders under way, by version and key: requests that miss together share one render instead of each making its own. */
  private readonly rendering = new SharedRuns<Buffer>();

  constructor(
    private readonly core: Core,
    /** The guarded core call the answers stand in for (none: a dialect command guarded by its IAM operation only). */
    private readonly call: GuardedCall | undefined,
    opts: AnswerCacheOptions = {},
  ) {
    this.maxBytes = (opts.maxMb ?? core.deps.config.answerCacheMb) * 1024 * 1024;
    this.texts = new VersionedLru(this.maxBytes);
    this.clock = opts.clock ?? (() => performance.now());
  }

  /**
   * ctx's answer for key: the cached bytes while the data is unchanged since they were rendered, else render()'s text
   * (kept when ok); render is given the version it renders under (undefined when none could be read), for readAt. since
   * is when the request arrived (FastifyRequest.arrivedAt): a version read sent after it is used. Throws the guard's
   * Forbidden first when ctx may not make the call the answers stand in for.
   */
  async get(ctx: CallContext, key: string, render: Render, since?: number): Promise<Buffer> {
    requireCall(ctx, this.call);
    const version = await this.versionFor(since);
    if (version === undefined) return Buffer.from((await render()).text);
    const k = keyOf(ctx, key);
    return this.texts.get(k, version)?.bytes ?? this.renderKept(k, version, render);
  }

  /**
   * Like get, for answers that show live counters (traffic read from the hypervisor): an answer is sent for at most
   * METERED_MS after its render began, so its counters are never older than that. From REFRESH_MS on, the request
   * that is sent it also starts rendering the next one in the background, so under steady traffic no request waits
   * for a render (when it did, every request of that moment waited: p99 12-16 ms against 8-9 ms without the renders).
   */
  async metered(ctx: CallContext, key: string, render: Render, since?: number): Promise<Buffer> {
    requireCall(ctx, this.call);
    const version = await this.versionFor(since);
    if (version === undefined) return Buffer.from((await render()).text);
    const k = keyOf(ctx, key);
    const kept = this.texts.get(k, version);
    const age = kept ? this.clock() - kept.at : Infinity;
    if (age >= METERED_MS) return this.renderKept(k, version, render);
    // A failed background render leaves the kept answer; the first request past its age renders and meets the error.
    if (age >= REFRESH_MS) this.renderKept(k, version, render).catch(() => undefined);
    return kept!.bytes;
  }

  /**
   * The kept answer for key when it can be sent without waiting: the data version is known now (on PostgreSQL from a
   * read sent at or after since) and unchanged since the render, and a metered answer is younger than REFRESH_MS.
   * Undefined sends the caller to get or metered, which render or refresh as needed, or refuse an asker the guard
   * refuses; a request's synchronous fast path.
   */
  peek(asker: Asker, key: string, since?: number, metered = false): Buffer | undefined {
    if (this.maxBytes === 0 || !mayCall(asker, this.call)) return undefined;
    const version = this.core.dataVersionNow(since);
    const kept = version === undefined ? undefined : this.texts.get(keyOf(asker, key), version);
    if (!kept || (metered && this.clock() - kept.at >= REFRESH_MS)) return undefined;
    return kept.bytes;
  }

  /** The data version to answer under (undefined: uncached, the cache is off or no version could be read). */
  private async versionFor(since: number | undefined): Promise<number | undefined> {
    return this.maxBytes === 0 ? undefined : this.core.dataVersion(since);
  }

  /** Renders key's answer under version and keeps it (when ok); callers asking meanwhile share the one render. */
  private renderKept(key: string, version: number, render: Render): Promise<Buffer> {
    return this.rendering.run(`${version}\n${key}`, async () => {
      const at = this.clock();
      const { text, ok } = await render(version);
      const bytes = Buffer.from(text);
      if (ok) this.texts.set(key, version, { bytes, at }, bytes.length + key.length * 2);
      return bytes;
    });
  }
}

/** A kept answer's key within the cache: the asker's account first, so no account is ever sent another's answer. */
function keyOf(asker: Asker, key: string): string {
  return `${asker.accountId}\n${key}`;
}
