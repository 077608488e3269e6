/** Queries a DNS server with the real `dig` (Debian dnsutils) and parses what it prints. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One record line of dig's output. */
export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

/** What dig printed: status, header flags, and the sections. */
export interface DigResult {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  raw: string;
}

/** Runs `dig @127.0.0.1 -p port +norec [extra...] name type` (UDP unless extra has +tcp) and parses it. */
export async function dig(port: number, name: string, type: string, extra: string[] = []): Promise<DigResult> {
  const args = ['@127.0.0.1', '-p', String(port), '+norec', '+time=5', '+tries=1', ...extra, name, type];
  const { stdout } = await run('dig', args, { timeout: 20_000 });
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? 'NONE';
  const flags = (/;; flags: ([a-z ]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  const section = (title: string): DigRecord[] => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(stdout);
    if (!m) return [];
    return m[1]!
      .split('\n')
      .filter((l) => l && !l.startsWith(';'))
      .map((l) => {
        const [n, ttl, , t, ...data] = l.split(/\s+/);
        return { name: n!, ttl: Number(ttl), type: t!, data: data.join(' ') };
      });
  };
  return {
    status,
    flags,
    answer: section('ANSWER'),
    authority: section('AUTHORITY'),
    additional: section('ADDITIONAL'),
    raw: stdout,
  };
}

/** Both transports, to run the same query over UDP and TCP. */
export const TRANSPORTS = [['+notcp'], ['+tcp']] as const;
