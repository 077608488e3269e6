/** A minimal QMP client over a VM's unix socket: greeting, capabilities negotiation, one command at a time. */
import { connect, type Socket } from 'node:net';

/** A QMP error answer (the command was understood and refused). */
class QmpError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** One QMP session; events are collected in `events`, answers resolve commands in order. */
export class QmpClient {
  readonly events: Array<{ event: string; data?: unknown }> = [];
  private buf = '';
  private queue: Pending[] = [];
  private closed = false;
  private greeted!: Promise<void>;

  private constructor(private readonly sock: Socket) {}

  /** Connects, waits for the greeting and negotiates capabilities; fails after timeoutMs. */
  static async open(path: string, timeoutMs = 5000): Promise<QmpClient> {
    const sock = connect(path);
    const c = new QmpClient(sock);
    const timer = setTimeout(() => sock.destroy(new Error(`QMP ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      c.greeted = new Promise<void>((resolve, reject) => {
        c.queue.push({ resolve: () => resolve(), reject });
      });
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => c.onData(d));
      sock.on('error', (e) => c.fail(e));
      sock.on('close', () => c.fail(new Error('QMP connection closed')));
      await c.greeted;
      await c.execute('qmp_capabilities');
      return c;
    } catch (err) {
      sock.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one command and returns its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('QMP connection closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ resolve: resolve as (v: unknown) => void, reject });
      this.sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
    });
  }

  /** Closes the session (the VM keeps running). */
  close(): void {
    this.closed = true;
    this.sock.destroy();
  }

  /** Resolves true once an event named name (matching pred) has arrived, or false after timeoutMs. */
  async waitEvent(name: string, pred: (data: unknown) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.events.some((e) => e.event === name && pred(e.data))) return true;
      if (this.closed || Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Resolves when the socket closes (QEMU exited), or false after timeoutMs. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.sock.destroyed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.sock.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if ('event' in msg) {
        this.events.push({ event: String(msg.event), data: msg.data });
        continue;
      }
      const p = this.queue.shift();
      if (!p) continue;
      if ('error' in msg) {
        const e = msg.error as { class?: string; desc?: string };
        p.reject(new QmpError(e.class ?? 'GenericError', e.desc ?? 'QMP error'));
      } else {
        p.resolve('QMP' in msg ? msg.QMP : msg.return);
      }
    }
  }

  private fail(err: Error): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(err);
  }
}

/** Opens a session, runs one command, closes. */
export async function qmpOnce<T = unknown>(
  path: string,
  command: string,
  args?: Record<string, unknown>,
  timeoutMs = 5000,
): Promise<T> {
  const c = await QmpClient.open(path, timeoutMs);
  try {
    return await c.execute<T>(command, args);
  } finally {
    c.close();
  }
}
