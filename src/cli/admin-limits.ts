/** `nube admin account limits|set-limits`: an account's effective quotas with its use, and the operator's overrides. */
import type { Command } from 'commander';
import { LIMIT_NAMES, type LimitChanges } from '../core/quotas/service.js';
import { withRuntime } from './with-runtime.js';

/** A limit option's value: a whole number, -1 or `unlimited` (no limit), or `default` (drop the override). */
function limitValue(name: string, raw: string): number | null {
  const v = raw.trim().toLowerCase();
  if (v === 'default') return null;
  if (v === 'unlimited' || v === '-1') return -1;
  if (!/^[0-9]{1,15}$/.test(v))
    throw new Error(`--${name.replace('_', '-')} must be a whole number, -1 or unlimited, or default; got "${raw}"`);
  return Number(v);
}

/** Adds `limits` and `set-limits` under `admin account`. */
export function addLimitCommands(account: Command): void {
  account
    .command('limits <account>')
    .description('effective limits of an account (default or override) with what it uses now')
    .action((acct: string) => withRuntime((rt) => rt.core.quotas.show(acct)));
  const set = account
    .command('set-limits <account>')
    .description('override limits of an account: N, -1 or unlimited, or default to use NUBE_DEFAULT_LIMITS again');
  for (const n of LIMIT_NAMES)
    set.option(`--${n.replace('_', '-')} <n>`, `limit on ${n.replace('_', ' ')}: N, -1 or unlimited, or default`);
  set.action((acct: string, o: Record<string, string | undefined>) => {
    const changes: LimitChanges = {};
    for (const n of LIMIT_NAMES) {
      const raw = o[n.replace(/_(\w)/, (_, c: string) => c.toUpperCase())];
      if (raw !== undefined) changes[n] = limitValue(n, raw);
    }
    return withRuntime(async (rt) => {
      await rt.core.quotas.set(acct, changes);
      return rt.core.quotas.show(acct);
    });
  });
}
