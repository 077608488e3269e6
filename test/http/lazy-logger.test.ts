/** Request loggers are made on first use (src/http/lazy-logger.ts): a request that logs writes its line with its request id, one that logs below the level writes nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { captureLog } from '../support/log-capture.js';
import { lazyChildLogger } from '../../src/http/lazy-logger.js';
import { requestIdOf } from '../../src/http/access-log.js';

test("a request's own log line carries its request id; a line below the logger's level is not written", async () => {
  const captured = captureLog('warn');
  const app = Fastify({
    loggerInstance: captured.log,
    disableRequestLogging: true,
    genReqId: requestIdOf,
    childLoggerFactory: lazyChildLogger,
  } as never) as unknown as FastifyInstance;
  app.get('/:level', async (req) => {
    const level = (req.params as { level: string }).level as 'debug' | 'warn';
    req.log[level]({ probe: level }, 'request log line');
    return { enabled: (req.log as unknown as Logger).isLevelEnabled(level), level: req.log.level };
  });
  try {
    const warn = await app.inject({ url: '/warn', headers: { 'x-request-id': 'lazy-warn-1' } });
    assert.deepEqual(warn.json(), { enabled: true, level: 'warn' });
    const debug = await app.inject({ url: '/debug', headers: { 'x-request-id': 'lazy-debug-1' } });
    assert.deepEqual(debug.json(), { enabled: false, level: 'warn' });
    const written = captured
      .lines()
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request log line');
    assert.equal(written.length, 1, JSON.stringify(written));
    assert.equal(written[0]!.reqId, 'lazy-warn-1');
    assert.equal(written[0]!.probe, 'warn');
  } finally {
    await app.close();
  }
});
