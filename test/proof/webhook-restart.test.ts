/** Webhook proof: an event whose receiver is down survives kill -9 of `nube serve`; the restarted server delivers it, signed. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { freshDatabase } from '../support/runtime.js';
import { loadConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';
import { systemContext } from '../../src/lib/context.js';
import { openStore, type Store } from '../../src/store/db.js';
import { freePort, startServe, type ServeChild } from './child.js';
import { HttpCs } from './http-cs.js';
import { until } from '../support/until.js';

const children: ServeChild[] = [];
const clients: HttpCs[] = [];
let store: Store | undefined;
let receiver: Server | undefined;
let dropDb: (() => Promise<void>) | undefined;

after(async () => {
  for (const c of children) await c.kill9();
  for (const c of clients) await c.close().catch(() => undefined);
  await store?.close();
  receiver?.closeAllConnections();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  await dropDb?.();
});

test(
  'kill -9 with a webhook delivery pending: the restarted server delivers it with a valid signature',
  { timeout: 180_000 },
  async () => {
    const db = await freshDatabase();
    dropDb = db.drop;
    const env = {
      ...db.env,
      NUBE_OUTBOUND_ALLOW_PRIVATE: '1',
      NUBE_WEBHOOK_RETRY_MS: '200',
      NUBE_WEBHOOK_ATTEMPTS: '50',
    };
    const port = await freePort();
    // The account and its webhook are set up through the core before the first start; the receiver is not up yet.
    const setup = await createRuntime(loadConfig({ ...env, NUBE_LISTEN: '127.0.0.1:0' }), {
      log: pino({ level: 'silent' }),
    });
    const hooked = await setup.core.accounts.createAccount('hooked');
    const { secret } = await setup.core.webhooks.configure(systemContext(hooked.account.id, 'hooked'), {
      url: `http://127.0.0.1:${port}/hook`,
    });
    await setup.close();

    const first = await startServe(env);
    children.push(first);
    store = openStore({ sqlitePath: join(db.env.NUBE_DATA_DIR!, 'nube.db'), databaseUrl: db.env.DATABASE_URL });
    const pair = hooked.credentials['api-key-pair'];
    const cs = new HttpCs(first.baseUrl, pair.key, pair.secret, 2);
    clients.push(cs);
    const zone = (await cs.ok('listZones')).zone[0];
    const offering = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
    const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template[0];
    const deployed = await cs.ok('deployVirtualMachine', {
      zoneid: zone.id,
      serviceofferingid: offering.id,
      templateid: template.id,
    });
    const failedOnce = await until(
      'a failed first attempt',
      () =>
        store!.db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('account_id', '=', hooked.account.id)
          .where('attempts', '>=', 1)
          .where('error_message', 'is not', null)
          .executeTakeFirst(),
      60_000,
    );
    await first.kill9();
    assert.equal(failedOnce.state, 'pending', 'the delivery waits for its next attempt when the server dies');
    assert.equal(failedOnce.event, 'vps.created');
    assert.match(failedOnce.error_message!, /ECONNREFUSED|Request failed/);

    const received: Array<{ headers: IncomingHttpHeaders; raw: string }> = [];
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, raw });
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(port, '127.0.0.1', resolve));

    const second = await startServe(env);
    children.push(second);
    const hit = await until('the delivery after the restart', () => received[0], 90_000);
    const body = JSON.parse(hit.raw);
    assert.equal(hit.headers['x-nube-delivery'], failedOnce.id);
    assert.equal(hit.headers['x-nube-event'], 'vps.created');
    assert.equal(
      hit.headers['x-nube-signature'],
      `sha256=${createHmac('sha256', secret).update(hit.raw).digest('hex')}`,
      'signed with the secret configured before the crash',
    );
    assert.equal(body.id, failedOnce.id);
    assert.equal(body.team_id, hooked.account.id);
    assert.equal(body.data.object, 'vps');
    assert.equal(body.data.id, deployed.id);
    const done = await until(
      'the delivery marked delivered',
      () =>
        store!.db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('id', '=', failedOnce.id)
          .where('state', '=', 'delivered')
          .executeTakeFirst(),
      60_000,
    );
    assert.equal(Number(done.response_status), 204);
    assert.ok(Number(done.attempts) >= 2);
    await second.stop();
    assert.ok(received.length >= 1);
    assert.ok(
      received.every((r) => r.headers['x-nube-delivery'] === failedOnce.id),
      'only that delivery was sent',
    );
  },
);
