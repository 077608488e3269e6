/** Every dialect maps every core error (kind and reason) to a valid answer, and tells errors apart by reason, never by message. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoreError,
  ERROR_KINDS,
  ERROR_PAIRS,
  REASONS_BY_KIND,
  notFound,
  operationFailed,
  type CoreErrorArgs,
  type ErrorTable,
} from '../../src/lib/errors.js';
import { CS_ERRORS, csError, csJobError } from '../../src/dialects/cloudstack/errors.js';
import { SIGMA_ERRORS, sigmaError } from '../../src/dialects/cloudsigma/errors.js';
import { CVM_ERRORS, NO_SUCH_VPS, cvmError } from '../../src/dialects/cvm/errors.js';
import { ADMIN_STATUS, adminError } from '../../src/dialects/admin/errors.js';
import { DANUBE_ERRORS, danubeFailure } from '../../src/dialects/danube/errors.js';
import { REST_ERRORS, restError } from '../../src/dialects/rest/errors.js';

const coreError = (kind: string, reason: string, message: string) =>
  new CoreError(...([kind, reason, message] as CoreErrorArgs));

/** Each dialect's answer for one core error, as [HTTP status, the text the client reads]. */
const DIALECTS: Record<string, { table: ErrorTable<unknown>; answer(err: CoreError): [number, string] }> = {
  cloudstack: {
    table: CS_ERRORS,
    answer: (e) => {
      const a = csError(e, 'req-1');
      return [a.status, a.body.errortext];
    },
  },
  cloudsigma: {
    table: SIGMA_ERRORS,
    answer: (e) => {
      const a = sigmaError(e, 'req-1');
      return [a.status, a.body];
    },
  },
  cvm: {
    table: CVM_ERRORS,
    answer: (e) => {
      const a = cvmError(e, 'req-1');
      return [a.status, a.body.errors.join()];
    },
  },
  danube: {
    table: DANUBE_ERRORS,
    answer: (e) => {
      const a = danubeFailure(e, 'req-1').answer;
      const body = a.body as { detail?: string; result?: unknown };
      return [a.status, body.detail ?? JSON.stringify(body.result)];
    },
  },
  rest: {
    table: REST_ERRORS,
    answer: (e) => {
      const a = restError(e, 'req-1');
      const body = a.body as { message?: string; error?: string };
      return [a.status, body.message ?? body.error ?? ''];
    },
  },
  admin: {
    table: ADMIN_STATUS,
    answer: (e) => {
      const a = adminError(e, 'req-1');
      return [a.status, String(a.body.error)];
    },
  },
};

test('every (kind, reason) pair maps in every dialect to a 4xx or 5xx status, and the tables hold no other pair', () => {
  assert.equal(
    ERROR_PAIRS.length,
    ERROR_KINDS.reduce((n, k) => n + Object.keys(REASONS_BY_KIND[k]).length, 0),
  );
  for (const [name, d] of Object.entries(DIALECTS)) {
    assert.deepEqual(Object.keys(d.table).sort(), [...ERROR_KINDS].sort(), `${name}: kinds`);
    for (const k of ERROR_KINDS) {
      assert.deepEqual(
        Object.keys(d.table[k]).sort(),
        Object.keys(REASONS_BY_KIND[k]).sort(),
        `${name}: reasons of ${k}`,
      );
    }
    for (const { kind, reason } of ERROR_PAIRS) {
      const [status] = d.answer(coreError(kind, reason, 'some message'));
      assert.ok(
        Number.isInteger(status) && status >= 400 && status <= 599,
        `${name}: ${kind}/${reason} answers ${status}`,
      );
    }
  }
});

test('CloudStack answers errorcode = HTTP status and a numeric cserrorcode for every pair', () => {
  for (const { kind, reason } of ERROR_PAIRS) {
    const a = csError(coreError(kind, reason, 'm'), 'r');
    assert.equal(a.body.errorcode, a.status, `${kind}/${reason}`);
    assert.ok(Number.isInteger(a.body.cserrorcode), `${kind}/${reason}`);
    assert.ok(
      [431, 530].includes(csJobError(coreError(kind, reason, 'm')).errorcode),
      `${kind}/${reason} as a job result`,
    );
  }
});

test('CVM says "no such VPS" for a missing VM by its reason, whatever the message; other missing objects keep their message', () => {
  for (const e of [notFound('virtual machine', 'abc', 'vm'), notFound('VPS', '7', 'vm')]) {
    assert.deepEqual(cvmError(e, 'r'), { status: 404, body: { errors: [NO_SUCH_VPS] } });
  }
  assert.deepEqual(cvmError(notFound('VPS template', '3', 'object'), 'r').body, {
    errors: ['VPS template 3 not found'],
  });
  assert.deepEqual(cvmError(notFound('node', '9', 'object'), 'r').body, { errors: ['node 9 not found'] });
});

test('an unexpected exception is hidden by its reason, whatever its message; a failed operation shows its message', () => {
  const hidden = coreError('Internal', 'unexpected', 'secret detail from an old task row');
  const shown = operationFailed('Internal error');
  const cs = csError(hidden, 'req-9');
  assert.equal(cs.status, 530);
  assert.match(cs.body.errortext, /^Internal error executing command.*\(request req-9\)$/);
  assert.equal(csError(shown, 'req-9').body.errortext, 'Internal error');
  const sigma = sigmaError(hidden, 'req-9');
  assert.deepEqual([sigma.status, sigma.body, sigma.internal], [500, 'errors: Internal error (request req-9)\n', true]);
  assert.deepEqual(
    [sigmaError(shown, 'req-9').body, sigmaError(shown, 'req-9').internal],
    ['errors: Internal error\n', false],
  );
});

test("unknown exceptions become each dialect's internal error with the request id and no details", () => {
  const boom = new Error('secret stack detail');
  assert.equal(csError(boom, 'req-5').status, 530);
  assert.match(csError(boom, 'req-5').body.errortext, /req-5/);
  assert.equal(sigmaError(boom, 'req-5').status, 500);
  assert.deepEqual(cvmError(boom, 'req-5').body, { errors: ['Internal error (request req-5)'] });
  assert.deepEqual(adminError(boom, 'req-5').body, { error: 'Internal error', request_id: 'req-5' });
  assert.deepEqual(restError(boom, 'req-5'), {
    status: 500,
    body: { message: 'Server Error (request req-5)' },
    log: 'error',
  });
  assert.deepEqual(restError(coreError('Internal', 'unexpected', 'secret detail'), 'req-6').body, {
    message: 'Server Error (request req-6)',
  });
  for (const text of [
    csError(boom, 'r').body.errortext,
    sigmaError(boom, 'r').body,
    cvmError(boom, 'r').body.errors[0],
    JSON.stringify(adminError(boom, 'r').body),
  ]) {
    assert.equal(text!.includes('secret'), false);
  }
});

test('the seconds to wait reach the dialect answer of a core error that gives them', () => {
  const e = coreError('RateLimited', 'throttled', 'slow down');
  e.retryAfterSec = 7;
  assert.equal(csError(e, 'r').retryAfterSec, 7);
  assert.equal(sigmaError(e, 'r').retryAfterSec, 7);
  assert.equal(cvmError(e, 'r').retryAfterSec, 7);
  assert.equal(adminError(e, 'r').retryAfterSec, 7);
});
