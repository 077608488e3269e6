/** The admin API's Basic sign-in: a signed-in admin is remembered (one scrypt, not one per call), and every call still sees a changed password, a disabled user or an account that is no longer admin. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';
import { hashPassword } from '../../../src/core/accounts/secrets.js';

let env: TestEnv;
let adminId: string;

before(async () => {
  // One hashing thread and room for two waiting checks: a call that needed a full check during a flood would be refused.
  env = await startTestEnv({ NUBE_AUTH_HASH_THREADS: '1', NUBE_AUTH_HASH_QUEUE: '2' });
  const a = await env.rt.core.accounts.createAccount('admin', {
    admin: true,
    email: 'admin@nube.local',
    password: 'admin-password',
  });
  adminId = a.account.id;
});
after(async () => {
  await env.close();
});

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const junk = () => randomBytes(12).toString('hex');

async function hosts(authorization: string): Promise<number> {
  return (await env.app.inject({ method: 'GET', url: '/admin/hosts', headers: { authorization } })).statusCode;
}

test('a signed-in admin needs no new password check: its calls answer 200 while a flood fills the hashing queue', async () => {
  const auth = basic('admin@nube.local', 'admin-password');
  assert.equal(await hosts(auth), 200);
  const [flood, calls] = await Promise.all([
    Promise.all(Array.from({ length: 30 }, () => hosts(basic(`${junk()}@nube.local`, junk())))),
    Promise.all(Array.from({ length: 8 }, () => hosts(auth))),
  ]);
  assert.ok(
    flood.filter((s) => s === 429).length >= 20,
    `the flood found the queue full (statuses ${flood.join(' ')})`,
  );
  assert.deepEqual(calls, Array(8).fill(200));
});

test('a remembered admin login is refused on the next call once the password changes, the user is disabled or the account is no longer admin', async () => {
  const auth = basic('admin@nube.local', 'admin-password');
  assert.equal(await hosts(auth), 200);
  const db = env.rt.store.db;

  await db.updateTable('accounts').set({ type: 'user' }).where('id', '=', adminId).execute();
  assert.equal(await hosts(auth), 401, 'an account that is no longer admin');
  await db.updateTable('accounts').set({ type: 'admin' }).where('id', '=', adminId).execute();
  assert.equal(await hosts(auth), 200);

  await db.updateTable('users').set({ state: 'disabled' }).where('account_id', '=', adminId).execute();
  assert.equal(await hosts(auth), 401, 'a disabled user');
  await db.updateTable('users').set({ state: 'enabled' }).where('account_id', '=', adminId).execute();
  assert.equal(await hosts(auth), 200);

  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword('new-admin-password') })
    .where('account_id', '=', adminId)
    .execute();
  assert.equal(await hosts(auth), 401, 'the old password');
  assert.equal(await hosts(basic('admin@nube.local', 'new-admin-password')), 200);
});
