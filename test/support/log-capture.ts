/** A pino logger that writes into memory, so a test can assert what the server logged (errors, stack traces). */
import pino, { type Logger } from 'pino';

/** Patterns of a stack trace in a log line (pino escapes the newlines of `err.stack`). */
const STACK = [/"stack":/, /(\\n|\n)\s+at \S/, /\bat [^\s()]+ \([^)]*:\d+:\d+\)/];

/** The captured log. */
export interface CapturedLog {
  log: Logger;
  /** Every line logged so far. */
  lines(): string[];
  /** Lines at level error or above, or holding a stack trace. */
  problems(): string[];
}

/** Why one log line is a problem (an error or a stack trace), or undefined. */
export function logProblem(line: string): string | undefined {
  let level = 0;
  try {
    level = Number((JSON.parse(line) as { level?: number }).level ?? 0);
  } catch {
    /* not JSON: judged by its text */
  }
  if (level >= 50) return 'error';
  for (const re of STACK) if (re.test(line)) return `stack trace (${re})`;
  return undefined;
}

/** A logger at level (info by default) whose lines stay in memory. */
export function captureLog(level = 'info'): CapturedLog {
  const kept: string[] = [];
  const log = pino(
    { level },
    {
      write: (s: string) => {
        kept.push(s.trimEnd());
      },
    },
  );
  return { log, lines: () => [...kept], problems: () => kept.filter((l) => logProblem(l) !== undefined) };
}
