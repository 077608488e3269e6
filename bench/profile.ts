/** Summarises V8 .cpuprofile files (node --cpu-prof): self time per function and per module, to show where a slow figure spends it. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One row of a summary: a name and its share of sampled time. */
export interface ProfileRow {
  name: string;
  ms: number;
  pct: number;
}

function moduleOf(url: string): string {
  if (!url) return '(native / idle / gc)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/(src|dist)\/(.+)$/.exec(url);
  if (src) return `nube:${src[2]!.replace(/\.(js|ts)$/, '')}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

/** Self time by function and by module, and inclusive time of Nube's own functions, over every profile in dir (idle excluded). */
export function summariseProfiles(
  dir: string,
  top = 25,
): { functions: ProfileRow[]; modules: ProfileRow[]; inclusive: ProfileRow[]; totalMs: number } {
  const byFn = new Map<string, number>();
  const byMod = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (let i = 0; i < p.samples.length; i++) {
      const node = nodes.get(p.samples[i]!);
      const dt = (p.timeDeltas[i] ?? 0) / 1000;
      if (!node || node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') continue;
      const cf = node.callFrame;
      const fn = `${cf.functionName || '(anonymous)'} ${moduleOf(cf.url)}:${cf.lineNumber + 1}`;
      byFn.set(fn, (byFn.get(fn) ?? 0) + dt);
      const mod = cf.functionName === '(garbage collector)' ? '(garbage collector)' : moduleOf(cf.url);
      byMod.set(mod, (byMod.get(mod) ?? 0) + dt);
      total += dt;
      const seen = new Set<string>();
      for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
        const f = nodes.get(id)!.callFrame;
        const m = moduleOf(f.url);
        if (!m.startsWith('nube:') || !f.functionName) continue;
        const key = `${f.functionName} ${m}`;
        if (seen.has(key)) continue;
        seen.add(key);
        incl.set(key, (incl.get(key) ?? 0) + dt);
      }
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: total ? Math.round((ms / total) * 1000) / 10 : 0 }));
  return { functions: rows(byFn), modules: rows(byMod), inclusive: rows(incl), totalMs: Math.round(total) };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: profile.ts DIR\n');
    process.exit(2);
  }
  const s = summariseProfiles(dir, Number(process.argv[3] ?? 25));
  process.stdout.write(`busy ${s.totalMs} ms\n\nby module:\n`);
  for (const r of s.modules)
    process.stdout.write(`${String(r.pct).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.name}\n`);
  process.stdout.write('\nby function (self time):\n');
  for (const r of s.functions)
    process.stdout.write(`${String(r.pct).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.name}\n`);
  process.stdout.write('\nNube functions (inclusive time):\n');
  for (const r of s.inclusive)
    process.stdout.write(`${String(r.pct).padStart(5)}%  ${String(r.ms).padStart(6)} ms  ${r.name}\n`);
}
