/**
 * Password hashing (scrypt) on a few dedicated worker threads instead of libuv's threadpool, which also serves every
 * file read and write: a flood of sign-ins then competes for at most `threads` CPUs and never delays drive I/O. Checks
 * of presented passwords wait in a bounded queue; when it is full they are refused at once (RateLimited, retry in 1 s)
 * instead of piling up. Hashing a new password (account and user creation) always waits its turn.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { rateLimited } from '../../lib/errors.js';

/** scrypt cost parameters, as node:crypto takes them. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  maxmem: number;
}

/** The worker: synchronous scrypt (in its own thread, so off the event loop and off libuv's pool). */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
parentPort.on('message', (m) => {
  try {
    parentPort.postMessage({ ok: scryptSync(m.password, m.salt, m.length, m.params) });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;

interface Job {
  password: string;
  salt: Buffer;
  length: number;
  params: ScryptParams;
  resolve(hash: Buffer): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/** Default threads: one less than the CPUs, 1 to 4, so hashing never takes every core from the event loop. */
function defaultHashThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** A fixed set of hashing threads with a bounded queue of password checks. */
class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private queuedChecks = 0;

  constructor(
    private threads = defaultHashThreads(),
    private queueMax = 32,
  ) {}

  /** Changes the thread count (0 = the default) and queue bound (NUBE_AUTH_HASH_THREADS, NUBE_AUTH_HASH_QUEUE); idle extra threads end. */
  configure(threads: number, queueMax: number): void {
    this.threads = threads > 0 ? threads : defaultHashThreads();
    this.queueMax = Math.max(0, queueMax);
    for (const s of [...this.slots]) if (!s.job && this.slots.length > this.threads) this.retire(s);
  }

  /** scrypt of password; `check` marks a check of presented credentials, refused with RateLimited when the queue is full. */
  hash(password: string, salt: Buffer, length: number, params: ScryptParams, check: boolean): Promise<Buffer> {
    const idle = this.slots.find((s) => !s.job) ?? (this.slots.length < this.threads ? this.spawn() : undefined);
    if (!idle && check && this.queuedChecks >= this.queueMax) {
      return Promise.reject(rateLimited('The server is busy checking other credentials; try again in 1 s', 1));
    }
    return new Promise<Buffer>((resolve, reject) => {
      const job: Job = { password, salt, length, params, resolve, reject };
      if (idle) return this.start(idle, job);
      if (check) {
        this.queuedChecks++;
        const done = () => {
          this.queuedChecks--;
        };
        job.resolve = (h) => {
          done();
          resolve(h);
        };
        job.reject = (e) => {
          done();
          reject(e);
        };
      }
      this.queue.push(job);
    });
  }

  /** Ends every thread; jobs running or waiting are rejected. */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    const gone = new Error('hashing threads closed');
    for (const job of [...slots.flatMap((s) => (s.job ? [s.job] : [])), ...this.queue.splice(0)]) job.reject(gone);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker };
    worker.unref();
    worker.on('message', (m: { ok?: Uint8Array; error?: string }) => {
      const job = slot.job;
      slot.job = undefined;
      worker.unref();
      if (job) {
        if (m.ok) job.resolve(Buffer.from(m.ok.buffer, m.ok.byteOffset, m.ok.byteLength));
        else job.reject(new Error(`scrypt failed: ${m.error ?? 'unknown error'}`));
      }
      this.next(slot);
    });
    const lost = (err: Error) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      slot.job?.reject(err);
      slot.job = undefined;
      const waiting = this.queue.shift();
      if (waiting) this.start(this.spawn(), waiting);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) lost(new Error(`hashing thread exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    slot.worker.postMessage({ password: job.password, salt: job.salt, length: job.length, params: job.params });
  }

  private next(slot: Slot): void {
    if (this.slots.length > this.threads) return this.retire(slot);
    const job = this.queue.shift();
    if (job) this.start(slot, job);
  }

  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
  }
}

/** The process's hashing threads (one set: they stand for CPUs, not for a runtime). */
export const hashPool = new HashPool();
