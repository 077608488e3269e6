/** A CloudSigma command waits for its task as long as NUBE_CLOUDSIGMA_WAIT_MS says, then answers 504 while the task goes on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sigmaPair } from './sigma-client.js';

const t = sigmaPair({ NUBE_SIM_DELAY_MS: '2500', NUBE_CLOUDSIGMA_WAIT_MS: '1000' });

test('a start slower than the configured wait is 504 with that wait in the message, and finishes in the background', async () => {
  const drive = (await t.carol.post('/drives/create', { name: 'slow', size: '10M' })).record.drive!;
  const s = (await t.carol.post('/servers/create', { name: 'slow', cpu: '1000', mem: '512', 'ide:0:0': drive })).record;
  const started = Date.now();
  const r = await t.carol.req('POST', `/servers/${s.server}/start`);
  assert.equal(r.status, 504);
  assert.match(r.text, /did not finish within 1 seconds; it goes on in the background/);
  assert.ok(Date.now() - started < 2400, 'answered at the configured wait, not when the task ended');
  for (let i = 0; i < 50; i++) {
    if ((await t.carol.get(`/servers/${s.server}/info`)).record.status === 'active') return;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail('the start did not finish in the background');
});
