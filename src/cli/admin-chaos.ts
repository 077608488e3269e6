/** `nube admin chaos ...`: API-level fault rules, the seed and per-operation sim delays, straight against the store (a running serve sees changes within 100 ms). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CHAOS_DIALECTS, CHAOS_KINDS, CHAOS_REASONS, SIM_OPERATIONS } from '../core/chaos/model.js';
import { applyChaosSeed, type ChaosSeedSpec } from '../core/chaos/seed-file.js';
import { withRuntime } from './with-runtime.js';

/** Options of `chaos add`, named as the admin API's body fields. */
interface AddOptions {
  dialect?: string;
  operation?: string;
  rate?: string;
  count?: string;
  account?: string;
  reason?: string;
  status?: string;
  message?: string;
  retryAfter?: string;
  ms?: string;
  jitter?: string;
  seed?: string;
}

/** Adds `admin chaos list|add|clear|seed|delay|load`. */
export function addChaosCommands(admin: Command): void {
  const chaos = admin.command('chaos').description('API-level faults per dialect and operation, sim delays, seed');
  chaos
    .command('list')
    .description('the seed, every rule (with firings left) and every per-operation sim delay')
    .action(() => withRuntime((rt) => rt.core.chaos.list()));
  chaos
    .command('add <kind>')
    .description(`add a rule: ${CHAOS_KINDS.join(' | ')}`)
    .option('--dialect <name>', `${CHAOS_DIALECTS.join(', ')} or * (default *)`)
    .option('--operation <glob>', 'CloudStack command, or "METHOD /path" of the others; * matches anything (default *)')
    .option('--rate <p>', 'probability from 0 to 1 that a matching request is hit (default 1)')
    .option('--count <n>', 'fire at most n times (default: until cleared)')
    .option('--account <account>', 'only requests of this account (name or id)')
    .option('--reason <reason>', `error: ${Object.keys(CHAOS_REASONS).join(', ')} (default internal)`)
    .option('--status <code>', 'error: answer this plain 5xx status instead of the dialect error')
    .option('--message <text>', 'error or throttle: the message')
    .option('--retry-after <s>', 'throttle: Retry-After seconds (default 1)')
    .option('--ms <ms>', 'latency: added delay in milliseconds')
    .option('--jitter <ms>', 'latency: ± this many milliseconds, drawn from the seeded generator')
    .option('--seed <n>', 'also set the seed (restarts the sequence)')
    .action((kind: string, o: AddOptions) =>
      withRuntime(async (rt) => {
        const rule = await rt.core.chaos.addRule({ ...o, kind, retry_after: o.retryAfter });
        const seed = o.seed !== undefined ? await rt.core.chaos.setSeed(o.seed) : undefined;
        return seed === undefined ? { rule } : { rule, seed };
      }),
    );
  chaos
    .command('clear [id]')
    .description('remove one rule, or all rules')
    .action((id?: string) => withRuntime(async (rt) => ({ removed: await rt.core.chaos.clearRules(id) })));
  chaos
    .command('seed [n]')
    .description('set the seed (random when omitted); the same seed and requests replay the same faults')
    .action((n?: string) => withRuntime(async (rt) => ({ seed: await rt.core.chaos.setSeed(n) })));
  const delay = chaos.command('delay').description(`per-operation sim delays: ${SIM_OPERATIONS.join(', ')}`);
  delay
    .command('set <operation> <ms>')
    .description('the operation waits ms (± jitter) instead of NUBE_SIM_DELAY_MS')
    .option('--jitter <ms>', '± this many milliseconds, drawn from the seeded generator')
    .action((operation: string, ms: string, o: { jitter?: string }) =>
      withRuntime((rt) => rt.core.chaos.setDelay({ operation, ms, jitter: o.jitter })),
    );
  delay
    .command('clear [operation]')
    .description("remove one operation's delay, or all")
    .action((op?: string) => withRuntime(async (rt) => ({ removed: await rt.core.chaos.clearDelays(op) })));
  chaos
    .command('load <file>')
    .description('apply a JSON file {"seed": 42, "rules": [...], "delays": [...]} (the seed file chaos section)')
    .action((file: string) =>
      withRuntime((rt) => applyChaosSeed(rt.core, JSON.parse(readFileSync(file, 'utf8')) as ChaosSeedSpec)),
    );
}
