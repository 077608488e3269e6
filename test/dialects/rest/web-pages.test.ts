/**
 * The sign-in and API Tokens pages in a real browser (headless Chromium): a user signs in by email, makes a token with
 * vps:read, reads it once from the page, revokes another, then authorizes the interactive docs with the token and runs
 * GET /api/v1/vps from there. Also the pages' JSON endpoints refuse callers without a session or without a JSON body.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestEnv, type TestEnv } from '../../support/runtime.js';

const CHROMIUM = '/usr/bin/chromium';
const NO_BROWSER = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install --no-install-recommends chromium) to run the browser test`;
const EMAIL = 'bob@example.com';
const PASSWORD = 'bob-correct-horse-42';
const TOKEN_SHAPE = /^\d+\|[A-Za-z0-9]{40}$/;

let env: TestEnv;
let base: string;
let bob: { id: string; name: string };
before(async () => {
  env = await startTestEnv();
  const made = await env.rt.core.accounts.createAccount('bob', { email: EMAIL, password: PASSWORD });
  bob = { id: made.account.id, name: made.account.name };
  base = await env.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await env.close();
});

/** Signs in through the form and returns the session cookie header. */
async function signIn(email = EMAIL, password = PASSWORD): Promise<string> {
  const res = await env.app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password }).toString(),
  });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, '/user/api-tokens');
  const set = String(res.headers['set-cookie']);
  assert.match(set, /HttpOnly/i);
  assert.match(set, /SameSite=Strict/i);
  return set.split(';')[0]!;
}

/** The row of the token named name in the page's table. */
const row = (page: Page, name: string) => page.locator(`#tokens tbody tr[data-token-name="${name}"]`);

test(
  'sign in, make a vps:read token, revoke another, then try GET /api/v1/vps in the interactive docs',
  { skip: NO_BROWSER },
  async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const foreign: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
      });

      await page.goto(`${base}/user/api-tokens`);
      assert.equal(new URL(page.url()).pathname, '/login', 'the token page sends strangers to the sign-in page');
      await page.fill('#email', EMAIL);
      await page.fill('#password', 'not-the-password');
      await page.click('button[type=submit]');
      await page.getByText('These credentials do not match our records.').waitFor();
      assert.equal(await page.inputValue('#email'), EMAIL);

      await page.fill('#password', PASSWORD);
      await Promise.all([page.waitForURL(`${base}/user/api-tokens`), page.click('button[type=submit]')]);
      const cookie = (await context.cookies()).find((c) => c.name === 'nube_session');
      assert.ok(cookie?.httpOnly && cookie.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
      for (const p of ['vps:read', 'database:read', 'cache:read', 'storage:read'])
        assert.equal(await page.isChecked(`input[name=permissions][value="${p}"]`), true, `${p} is ticked by default`);
      assert.equal(await page.isChecked('input[name=permissions][value="vps:delete"]'), false);

      await page.fill('#token-name', 'old laptop');
      await page.click('#create-token');
      await row(page, 'old laptop').waitFor();
      const oldToken = await page.textContent('#plain-token');
      assert.match(oldToken ?? '', TOKEN_SHAPE);

      await page.fill('#token-name', 'ci');
      for (const box of await page.locator('input[name=permissions]').all()) await box.uncheck();
      await page.check('input[name=permissions][value="vps:read"]');
      await page.click('#create-token');
      await row(page, 'ci').waitFor();
      const token = (await page.textContent('#plain-token')) ?? '';
      assert.match(token, TOKEN_SHAPE);
      assert.notEqual(token, oldToken);
      assert.equal(await row(page, 'ci').locator('td').nth(1).textContent(), 'vps:read');
      assert.equal(await row(page, 'ci').locator('td').nth(2).textContent(), 'Never');

      const evil = '<img src=x onerror="document.title=1">';
      await page.fill('#token-name', evil);
      await page.click('#create-token');
      await page.locator('#tokens tbody tr', { hasText: '<img src=x' }).waitFor();
      assert.equal(await page.locator('#tokens img').count(), 0, 'a token name is shown as text, never as markup');

      await row(page, 'old laptop').getByRole('button', { name: 'Revoke' }).click();
      await row(page, 'old laptop').waitFor({ state: 'detached' });
      const listed = await env.rt.core.credentials.issuers['api-token'].list(bob);
      assert.ok(listed.find((t) => t.name === 'old laptop')?.revokedAt, 'the revoked token is revoked in the core');
      assert.equal(listed.find((t) => t.name === 'ci')?.revokedAt, null);

      await page.reload();
      assert.equal(await page.isVisible('#new-token-box'), false, 'the token is shown only once');
      assert.equal((await page.content()).includes(token.split('|')[1]!), false);

      await page.goto(`${base}/docs/api`);
      await page.locator('.auth-wrapper button.authorize').click();
      await page.locator('.modal-ux input').first().fill(token);
      await page.locator('.modal-ux button.authorize').click();
      await page.locator('.modal-ux button.btn-done').click();
      const op = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/api/v1/vps"]') });
      await op.locator('.opblock-summary').first().click();
      const tryOut = op.locator('button.try-out__btn');
      if ((await tryOut.count()) > 0 && (await tryOut.textContent())?.trim() === 'Try it out') await tryOut.click();
      await op.locator('button.execute').click();
      const status = op.locator('.live-responses-table .response .response-col_status').first();
      await status.waitFor();
      assert.equal((await status.textContent())?.trim(), '200');
      assert.match((await op.locator('.curl-command').textContent()) ?? '', /Authorization: Bearer \d+\|/);
      assert.deepEqual(foreign, [], 'the pages load nothing from other hosts');

      await page.goto(`${base}/user/api-tokens`);
      await row(page, 'ci').waitFor();
      assert.notEqual(
        await row(page, 'ci').locator('td').nth(2).textContent(),
        'Never',
        'the token shows its last use',
      );

      await Promise.all([page.waitForURL(`${base}/login`), page.click('#logout')]);
      const after = await page.request.get(`${base}/user/api-tokens.json`);
      assert.equal(after.status(), 401, 'the session ends on log out');
    } finally {
      await browser?.close();
    }
  },
);

test('the token endpoints need a session, take only JSON, validate, and revoke only the account’s own tokens', async () => {
  const anon = await env.app.inject({ method: 'GET', url: '/user/api-tokens.json' });
  assert.equal(anon.statusCode, 401);
  assert.deepEqual(anon.json(), { message: 'Unauthenticated.' });
  const page = await env.app.inject({ method: 'GET', url: '/user/api-tokens' });
  assert.equal(page.statusCode, 302);
  assert.equal(page.headers.location, '/login');

  const cookie = await signIn();
  const post = (payload: string, type = 'application/json') =>
    env.app.inject({ method: 'POST', url: '/user/api-tokens', headers: { cookie, 'content-type': type }, payload });
  const form = await post('name=x', 'application/x-www-form-urlencoded');
  assert.equal(form.statusCode, 415, 'a cross-site form cannot make a token');
  const text = await post('{"name":"x"}', 'text/plain');
  assert.equal(text.statusCode, 415);

  const nul = await post(JSON.stringify({ name: 'a\u0000b' }));
  assert.equal(nul.statusCode, 422, 'a NUL byte is refused, not stored');
  const nulLogin = await env.app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'email=bob%00@example.com&password=x',
  });
  assert.equal(nulLogin.statusCode, 422);

  const noName = await post('{}');
  assert.equal(noName.statusCode, 422);
  assert.deepEqual(noName.json().errors, { name: ['The name field is required.'] });
  const badScope = await post(JSON.stringify({ name: 'x', permissions: ['vps:fly'] }));
  assert.equal(badScope.statusCode, 422, badScope.body);
  assert.ok(badScope.json().errors.permissions, badScope.body);

  const editor = await post(JSON.stringify({ name: 'editor', role: 'editor' }));
  assert.equal(editor.statusCode, 201, editor.body);
  const made = editor.json();
  assert.match(made.token, TOKEN_SHAPE);
  assert.ok(made.permissions.includes('vps:write') && !made.permissions.includes('vps:delete'));
  const list = await env.app.inject({ method: 'GET', url: '/user/api-tokens.json', headers: { cookie } });
  const listed = list.json().data.find((t: { id: number }) => t.id === made.id);
  assert.equal(listed.name, 'editor');
  assert.equal(JSON.stringify(list.json()).includes(made.token.split('|')[1]), false, 'the list never holds a secret');

  const alice = await env.rt.core.accounts.accountByName('alice');
  const users = await env.rt.core.credentials.issuers.password.list(alice);
  const theirs = await env.rt.core.credentials.issuers['api-token'].issueFor(
    { accountId: alice.id, userId: users[0]!.id },
    { name: 'alice token' },
  );
  const del = (id: string | number) =>
    env.app.inject({ method: 'DELETE', url: `/user/api-tokens/${id}`, headers: { cookie } });
  assert.equal((await del(theirs.id)).statusCode, 404, "another account's token is not found");
  assert.equal((await del('abc')).statusCode, 404);
  assert.equal((await del(made.id)).statusCode, 200);
  assert.equal((await del(made.id)).statusCode, 404, 'a revoked token cannot be revoked again');
});

test('sign-in is throttled like every login: after too many wrong passwords even the right one waits', async () => {
  const strict = await startTestEnv({ NUBE_AUTH_FAILURES_PER_LOGIN: '3', NUBE_AUTH_LOCKOUT_MS: '60000' });
  try {
    await strict.rt.core.accounts.createAccount('carol', { email: 'carol@example.com', password: PASSWORD });
    const login = (password: string) =>
      strict.app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email: 'carol@example.com', password }).toString(),
      });
    for (let i = 0; i < 3; i++) {
      const wrong = await login('wrong-password');
      assert.equal(wrong.statusCode, 422);
      assert.match(wrong.body, /These credentials do not match our records\./);
      assert.match(wrong.body, /value="carol@example\.com"/, 'the form keeps the email typed');
    }
    const locked = await login(PASSWORD);
    assert.equal(locked.statusCode, 429, locked.body);
    assert.match(locked.body, /Too many login attempts\. Please try again in \d+ seconds\./);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.equal(locked.headers['set-cookie'], undefined);
  } finally {
    await strict.close();
  }
});
