/** Runs one admin command against the store (no task engine) and prints its result as JSON. */
import pino from 'pino';
import { loadConfig } from '../config.js';
import { createRuntime, type Runtime } from '../runtime.js';

/** Opens the runtime from the environment, runs fn, prints what it returns, and closes everything. */
export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<void> {
  const rt = await createRuntime(loadConfig(), { startEngine: false, log: pino({ level: 'warn' }) });
  try {
    const out = await fn(rt);
    if (out !== undefined) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    await rt.close();
  }
}
