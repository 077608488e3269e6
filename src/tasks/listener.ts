/** The engine's LISTEN connection on PostgreSQL: re-opened with backoff whenever it breaks, never an unhandled error. */
import type pg from 'pg';
import type { Logger } from 'pino';

/** What the listener listens to and whom it tells. */
export interface ListenerOptions {
  channel: string;
  /** A notification arrived, with its payload ('' when none). */
  onNotify(payload: string): void;
  /** The connection is back after a loss: notifications sent meanwhile were missed. */
  onReconnect(): void;
  log?: Logger;
  /** Longest pause between two connection attempts (default 10 s). */
  maxBackoffMs?: number;
}

/** One dedicated connection running LISTEN; while it is down the engine's polling finds new tasks instead. */
export class TaskListener {
  private client: pg.PoolClient | null = null;
  /** Gives the open connection back to the pool exactly once, whoever (stop or a late error event) asks first. */
  private releaseClient: ((err?: Error) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private failures = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: ListenerOptions,
  ) {}

  /** True while the LISTEN connection is open. */
  get connected(): boolean {
    return this.client !== null;
  }

  /** Opens the connection; never throws: a failure schedules another attempt. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  /** Closes the connection and cancels any pending attempt. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    const release = this.releaseClient;
    this.client = null;
    this.releaseClient = null;
    if (!client || !release) return;
    try {
      await client.query(`UNLISTEN ${this.opts.channel}`);
    } catch {
      /* the connection may be gone */
    }
    release();
  }

  private async connect(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    let client: pg.PoolClient | undefined;
    let released = false;
    const release = (err?: Error) => {
      if (released) return false;
      released = true;
      client?.release(err);
      return true;
    };
    const lost = (err: Error) => {
      if (this.client === client) {
        this.client = null;
        this.releaseClient = null;
      }
      if (release(err)) this.retry(err);
    };
    try {
      client = await this.pool.connect();
      client.on('error', lost);
      client.on('notification', (msg) => this.opts.onNotify(msg.payload ?? ''));
      await client.query(`LISTEN ${this.opts.channel}`);
    } catch (err) {
      if (client) lost(err as Error);
      else this.retry(err as Error);
      return;
    }
    if (released) return;
    if (this.stopped) {
      release();
      return;
    }
    this.client = client;
    this.releaseClient = release;
    if (this.failures > 0) {
      this.opts.log?.warn({ after: this.failures }, 'task listener reconnected');
      this.failures = 0;
      this.opts.onReconnect();
    }
  }

  private retry(err: Error): void {
    if (this.stopped || this.timer) return;
    const delay = Math.min(250 * 2 ** this.failures, this.opts.maxBackoffMs ?? 10_000) * (0.75 + Math.random() / 2);
    if (this.failures === 0)
      this.opts.log?.warn({ err: err.message }, 'task listener lost its connection; polling until it is back');
    this.failures++;
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }
}
