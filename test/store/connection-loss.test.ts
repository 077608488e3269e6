/** Which PostgreSQL errors are an outage (DatabaseUnavailable for the dialects) and which are a query's own failure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isConnectionLoss, storeError } from '../../src/store/pg-pool.js';
import { redactUrl } from '../../src/store/wait.js';
import { DatabaseUnavailable } from '../../src/lib/errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

test('lost, refused and shutting-down connections are outages; query errors are not', () => {
  for (const err of [
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    withCode('write EPIPE', 'EPIPE'),
    withCode('connect ETIMEDOUT', 'ETIMEDOUT'),
    new Error('Connection terminated unexpectedly'),
    new Error('Connection terminated due to connection timeout'),
    new Error('timeout exceeded when trying to connect'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('the database system is starting up', '57P03'),
    withCode('sorry, too many clients already', '53300'),
    withCode('connection failure', '08006'),
    Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]), {
      code: 'ECONNREFUSED',
    }),
  ]) {
    assert.equal(isConnectionLoss(err), true, err.message);
    assert.ok(storeError(err) instanceof DatabaseUnavailable, err.message);
  }
  for (const err of [
    withCode('duplicate key value violates unique constraint "zones_name_key"', '23505'),
    withCode('could not serialize access due to concurrent update', '40001'),
    withCode('syntax error at or near "selct"', '42601'),
    withCode('invalid byte sequence for encoding "UTF8": 0x00', '22021'),
    new Error('anything else'),
  ]) {
    assert.equal(isConnectionLoss(err), false, err.message);
    assert.equal(storeError(err), err, 'a query error reaches the caller unchanged');
  }
});

test('the database URL is shown without its password', () => {
  assert.equal(redactUrl('postgres://nube:s3cret@db.example:5432/nube'), 'postgres://nube@db.example:5432/nube');
  assert.equal(redactUrl('postgres://postgres@127.0.0.1/x'), 'postgres://postgres@127.0.0.1/x');
  assert.equal(redactUrl('not a url'), '(DATABASE_URL)');
});
