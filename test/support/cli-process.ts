/** Runs the `nube` CLI from source in child processes: one-shot admin commands and a `serve` that is killed after the test file. */
import { after } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from '../proof/child.js';

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

/** Runs `nube ARGS...` to completion with extra environment. */
export function nube(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60000,
  });
}

/** Settings that name a store or key: a child run from another directory gets only those the test gives. */
const STORE_VARS = ['NUBE_CONFIG', 'NUBE_DATA_DIR', 'DATABASE_URL', 'NUBE_MASTER_KEY', 'NUBE_DRIVER'];

/** Runs `nube ARGS...` to completion in the working directory cwd, with only the store settings env gives. */
export function nubeAt(cwd: string, env: Record<string, string>, ...args: string[]) {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of STORE_VARS) delete base[k];
  return spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'test', 'support', 'cli-main.ts'), ...args],
    {
      cwd,
      env: { ...base, ...env },
      encoding: 'utf8',
      timeout: 60000,
    },
  );
}

/** Runs a `nube serve` that is expected to refuse to start: its exit status and output (killed after timeoutMs if it starts after all). */
export function serveRefused(env: Record<string, string>, timeoutMs = 30000) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', 'serve'], {
    env: { ...process.env, NUBE_LISTEN: '127.0.0.1:0', NUBE_DNS_LISTEN: '127.0.0.1:0', NUBE_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
}

/** Starts `nube serve` on a port the system says is free (a random pick can hit a local service) and resolves once it printed `Ready.`; out() is everything it printed so far. */
export async function serve(
  env: Record<string, string>,
): Promise<{ port: number; out: () => string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/cli-main.ts', 'serve'], {
    env: {
      ...process.env,
      NUBE_DNS_LISTEN: '127.0.0.1:0',
      ...env,
      NUBE_LISTEN: `127.0.0.1:${port}`,
      NUBE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 30000;
  while (!/^Ready\.$/m.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not get ready: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, out: () => out, child };
}
