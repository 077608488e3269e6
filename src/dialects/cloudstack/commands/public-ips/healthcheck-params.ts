/** The optional health check parameters of associateIpAddress and updateIpAddress, and their decoding. */
import { param } from '../../command.js';
import type { ParamsOf } from '../../command.js';
import type { HealthcheckInput } from '../../../../core/ips/healthcheck.js';

/** Exoscale's health check parameters of an elastic IP. */
export const HEALTHCHECK_PARAMS = {
  mode: param.string('probing mode, must be either "tcp" or "http"').maxLength(16),
  port: param.integer('service port to probe, must be between 1 and 65535'),
  path: param.string('probe HTTP request path, must be specified in "http" mode').maxLength(255),
  interval: param.integer('probing interval in seconds, must be at least 5 (default: 10)'),
  timeout: param.integer(
    'time in seconds before considering a probing failed, must be lower than interval (default: 2)',
  ),
  'strikes-ok': param.integer('number of successful probes before considering the target healthy (default: 2)'),
  'strikes-fail': param.integer('number of unsuccessful probes before considering the target unhealthy (default: 3)'),
};

/** The health check as core takes it (core checks the values and fills the defaults). */
export function healthcheck(p: ParamsOf<typeof HEALTHCHECK_PARAMS>): HealthcheckInput {
  return {
    mode: p.mode,
    port: p.port,
    path: p.path,
    interval: p.interval,
    timeout: p.timeout,
    strikesOk: p['strikes-ok'],
    strikesFail: p['strikes-fail'],
  };
}
