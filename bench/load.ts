/** Load generator, run as its own process: GET one URL with N connections for a while, or send N signed deploys; prints JSON. */
import { Pool } from 'undici';
import { signedQuery } from '../test/proof/http-cs.js';

/** What one GET run measured. */
export interface GetResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
}

/** What one deploy run measured. */
export interface DeployResult {
  sent: number;
  accepted: number;
  refused: number;
  errors: number;
  seconds: number;
  firstRefusal?: string;
  /** CPU milliseconds (user + system) the load generator used for the run: it shares the cores with the server. */
  cpuMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runGet(
  origin: string,
  path: string,
  connections: number,
  warmupMs: number,
  durationMs: number,
): Promise<GetResult> {
  const pool = new Pool(origin, { connections, pipelining: 1 });
  let lat: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const phase = async (ms: number) => {
    const until = performance.now() + ms;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          try {
            const res = await pool.request({ method: 'GET', path });
            await res.body.dump({ limit: Infinity });
            if (res.statusCode !== 200) non2xx++;
            lat.push(performance.now() - t);
          } catch {
            errors++;
          }
        }
      }),
    );
  };
  await phase(warmupMs);
  lat = [];
  errors = 0;
  non2xx = 0;
  const t0 = performance.now();
  await phase(durationMs);
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  const sorted = Float64Array.from(lat).sort();
  const arr = Array.from(sorted);
  return {
    requests: lat.length,
    seconds,
    rps: lat.length / seconds,
    p50: percentile(arr, 50),
    p90: percentile(arr, 90),
    p99: percentile(arr, 99),
    max: arr[arr.length - 1] ?? NaN,
    errors,
    non2xx,
  };
}

async function runDeploys(
  origin: string,
  count: number,
  concurrency: number,
  key: string,
  secret: string,
  params: Record<string, string>,
): Promise<DeployResult> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const cpu0 = process.cpuUsage();
  let next = 0;
  let accepted = 0;
  let refused = 0;
  let errors = 0;
  let firstRefusal: string | undefined;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        try {
          const res = await pool.request({
            method: 'GET',
            path: `/compute?${signedQuery(key, secret, 'deployVirtualMachine', params)}`,
          });
          const text = await res.body.text();
          if (res.statusCode === 200) accepted++;
          else {
            refused++;
            firstRefusal ??= `${res.statusCode} ${text.slice(0, 300)}`;
          }
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  const cpu = process.cpuUsage(cpu0);
  return { sent: count, accepted, refused, errors, seconds, firstRefusal, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const [mode, origin, ...rest] = process.argv.slice(2);
if (mode === 'get') {
  const [path, connections, warmupMs, durationMs] = rest;
  const r = await runGet(origin!, path!, Number(connections), Number(warmupMs), Number(durationMs));
  process.stdout.write(JSON.stringify(r) + '\n');
} else if (mode === 'deploy') {
  const [count, concurrency, paramsJson] = rest;
  const r = await runDeploys(
    origin!,
    Number(count),
    Number(concurrency),
    process.env.BENCH_KEY!,
    process.env.BENCH_SECRET!,
    JSON.parse(paramsJson!) as Record<string, string>,
  );
  process.stdout.write(JSON.stringify(r) + '\n');
} else {
  process.stderr.write(
    'usage: load.ts get ORIGIN PATH CONNECTIONS WARMUP_MS DURATION_MS | deploy ORIGIN COUNT CONCURRENCY PARAMS_JSON\n',
  );
  process.exit(2);
}
