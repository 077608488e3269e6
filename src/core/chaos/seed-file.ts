/**
 * The chaos part of a seed file: `{"seed": 42, "rules": [...], "delays": [...]}`, each rule and delay in the admin API's
 * shape (POST /admin/chaos and /admin/chaos/delays), so a test suite can start Nube with its faults already in place.
 */
import { invalid } from '../../lib/errors.js';
import { checkDelay, checkRule, checkSeed, type ChaosRule, type ChaosRuleInput } from './model.js';
import type { ChaosService, SimDelay } from './service.js';

/** The chaos section of a seed file; every part is optional. */
export interface ChaosSeedSpec {
  /** The generator's seed (0 to 2^32 - 1): set after the rules, so the sequence starts with the first request. */
  seed?: number | string;
  /** Rules as POST /admin/chaos takes them. */
  rules?: ChaosRuleInput[];
  /** Per-operation sim delays as POST /admin/chaos/delays takes them. */
  delays?: Array<{ operation?: unknown; ms?: unknown; jitter?: unknown }>;
}

/** Applies a seed file's chaos section (adding to what is there) once every entry checked out; Invalid names the entry at fault, e.g. `chaos.rules[2].rate`. */
export async function applyChaosSeed(
  core: { chaos: ChaosService },
  spec: ChaosSeedSpec,
): Promise<{ seed?: number; rules: ChaosRule[]; delays: SimDelay[] }> {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw invalid('chaos must be an object', 'chaos');
  const ruleSpecs = listOf(spec.rules, 'rules');
  const delaySpecs = listOf(spec.delays, 'delays');
  for (const [i, r] of ruleSpecs.entries()) await within(`rules[${i}]`, async () => checkRule(r as ChaosRuleInput));
  for (const [i, d] of delaySpecs.entries())
    await within(`delays[${i}]`, async () => checkDelay(d as Record<string, unknown>));
  if (spec.seed !== undefined) await within('seed', async () => checkSeed(spec.seed));
  const rules: ChaosRule[] = [];
  const delays: SimDelay[] = [];
  for (const [i, r] of ruleSpecs.entries())
    rules.push(await within(`rules[${i}]`, () => core.chaos.addRule(r as ChaosRuleInput)));
  for (const [i, d] of delaySpecs.entries())
    delays.push(await within(`delays[${i}]`, () => core.chaos.setDelay(d as Record<string, unknown>)));
  const seed = spec.seed !== undefined ? await within('seed', () => core.chaos.setSeed(spec.seed)) : undefined;
  return seed === undefined ? { rules, delays } : { seed, rules, delays };
}

/** An optional array field of the spec. */
function listOf(v: unknown, field: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalid(`chaos.${field} must be a list`, field);
  return v;
}

/** Runs fn, prefixing the field of an Invalid error with where in the spec it happened. */
async function within<T>(where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { kind?: string; fields?: Record<string, string[]>; message?: string };
    if (e.kind !== 'Invalid') throw err;
    const field = Object.keys(e.fields ?? {})[0];
    const path = field && where !== 'seed' ? `chaos.${where}.${field}` : `chaos.${where}`;
    throw invalid(`${path}: ${e.message}`, path);
  }
}
