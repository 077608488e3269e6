/** Health checks of elastic IPs: validation, defaults and merging of partial updates. */
import { invalid } from '../../lib/errors.js';

/** A health check as stored with an elastic IP (JSON in public_ips.healthcheck). */
export interface Healthcheck {
  mode: 'tcp' | 'http';
  port: number;
  path: string | null;
  interval: number;
  timeout: number;
  strikesOk: number;
  strikesFail: number;
}

/** Health check inputs as a caller gives them; every field optional. */
export interface HealthcheckInput {
  mode?: string;
  port?: number;
  path?: string;
  interval?: number;
  timeout?: number;
  strikesOk?: number;
  strikesFail?: number;
}

/** Defaults Exoscale documents for unset fields. */
const HEALTHCHECK_DEFAULTS = { interval: 10, timeout: 2, strikesOk: 2, strikesFail: 3 } as const;

const INTERVAL_MAX = 300;
const STRIKES_MAX = 20;
const PATH_MAX = 255;

/** True when the input sets at least one health check field. */
export function hasHealthcheck(i: HealthcheckInput): boolean {
  return Object.values(i).some((v) => v !== undefined);
}

/**
 * The health check resulting from applying input over current (null when there is none yet), validated:
 * mode tcp|http, port 1-65535, path required in http mode (ignored in tcp mode), interval 5-300, timeout at least 1
 * and below interval, strikes 1-20.
 */
export function buildHealthcheck(input: HealthcheckInput, current: Healthcheck | null = null): Healthcheck {
  const modeText = input.mode ?? current?.mode;
  if (modeText === undefined) throw invalid('mode is required to configure a health check (tcp or http)', 'mode');
  const mode = modeText.toLowerCase();
  if (mode !== 'tcp' && mode !== 'http')
    throw invalid(`mode must be either "tcp" or "http", not "${modeText}"`, 'mode');
  const port = input.port ?? current?.port;
  if (port === undefined) throw invalid('port is required to configure a health check', 'port');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('port must be between 1 and 65535', 'port');
  let path: string | null = null;
  if (mode === 'http') {
    path = input.path ?? current?.path ?? null;
    if (!path) throw invalid('path must be specified in "http" mode', 'path');
    if (!path.startsWith('/')) throw invalid('path must start with "/"', 'path');
    if (path.length > PATH_MAX || /[\s\0]/.test(path))
      throw invalid(`path must be at most ${PATH_MAX} characters without spaces`, 'path');
  }
  const interval = input.interval ?? current?.interval ?? HEALTHCHECK_DEFAULTS.interval;
  if (!Number.isInteger(interval) || interval < 5 || interval > INTERVAL_MAX)
    throw invalid(`interval must be between 5 and ${INTERVAL_MAX} seconds`, 'interval');
  const timeout = input.timeout ?? current?.timeout ?? HEALTHCHECK_DEFAULTS.timeout;
  if (!Number.isInteger(timeout) || timeout < 1) throw invalid('timeout must be at least 1 second', 'timeout');
  if (timeout >= interval) throw invalid(`timeout (${timeout}) must be lower than interval (${interval})`, 'timeout');
  const strikesOk = input.strikesOk ?? current?.strikesOk ?? HEALTHCHECK_DEFAULTS.strikesOk;
  const strikesFail = input.strikesFail ?? current?.strikesFail ?? HEALTHCHECK_DEFAULTS.strikesFail;
  for (const [field, word, v] of [
    ['strikesOk', 'strikes-ok', strikesOk],
    ['strikesFail', 'strikes-fail', strikesFail],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > STRIKES_MAX)
      throw invalid(`${word} must be between 1 and ${STRIKES_MAX}`, field);
  }
  return { mode, port, path, interval, timeout, strikesOk, strikesFail };
}
