import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { freshDatabase } from '../support/runtime.js';
import { startServe, type ServeChild } from '../proof/child.js';

const children: ServeChild[] = [];
let drop: (() => Promise<void>) | undefined;
after(async () => {
  for (const c of children) await c.kill9();
  await drop?.();
});

test(
  'serve removes temporary and volume files no live volume owns at start-up, logs each, and keeps owned ones',
  { timeout: 120_000 },
  async () => {
    const db = await freshDatabase();
    drop = db.drop;
    const dir = db.env.NUBE_DATA_DIR!;
    const first = await startServe(db.env);
    children.push(first);
    const creds = (
      JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as {
        cloudsigma: { user: string; password: string };
      }
    ).cloudsigma;
    const call = async (path: string, body?: string | Buffer, type = 'text/plain') => {
      const res = await request(`${first.baseUrl}${path}`, {
        method: 'POST',
        body,
        headers: {
          authorization: `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`,
          'content-type': type,
        },
      });
      const text = await res.body.text();
      assert.ok(res.statusCode < 300, `${path}: ${res.statusCode} ${text}`);
      return /^drive (\S+)$/m.exec(text)?.[1];
    };
    const kept = (await call('/drives/create', 'name kept\nsize 4M\n'))!;
    const data = Buffer.alloc(1024 * 1024, 0x4b);
    await call(`/drives/${kept}/write/0`, data, 'application/octet-stream');
    const destroyed = (await call('/drives/create', 'name gone\nsize 4M\n'))!;
    await call(`/drives/${destroyed}/destroy`);
    await first.stop();

    const volumes = join(dir, 'volumes');
    const snapshots = join(dir, 'snapshots');
    mkdirSync(snapshots, { recursive: true });
    const orphans = [
      join(volumes, `${kept}.img.0123456789ab.tmp`), // a clone killed half way
      join(volumes, `${randomUUID()}.img`), // no row at all
      join(volumes, `${destroyed}.img`), // its row was removed, the file came back
      join(snapshots, `${randomUUID()}.img`),
      join(snapshots, `${randomUUID()}.img.a1b2c3d4e5f6.tmp`),
    ];
    for (const f of orphans) writeFileSync(f, 'left over');
    const unknown = join(volumes, 'NOTES.txt');
    writeFileSync(unknown, 'not a volume file');

    const second = await startServe(db.env);
    children.push(second);
    const logged = (f: string) =>
      second
        .output()
        .split('\n')
        .some((l) => l.includes(f) && /no volume or snapshot owns/.test(l));
    for (let i = 0; i < 100 && !orphans.every(logged); i++) await new Promise((r) => setTimeout(r, 50)); // the log is written asynchronously
    for (const f of orphans) {
      assert.equal(existsSync(f), false, `${f} was removed`);
      assert.ok(logged(f), `a log line names ${f}:\n${second.output()}`);
    }
    assert.equal(existsSync(join(volumes, `${kept}.img`)), true, 'the file of a live drive stays');
    assert.equal(existsSync(unknown), true, 'files the storage did not make are left alone');
    const res = await request(`${second.baseUrl}/drives/${kept}/read/0/1M`, {
      headers: { authorization: `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}` },
    });
    assert.ok(Buffer.from(await res.body.arrayBuffer()).equals(data), 'the live drive keeps its bytes');
    await second.stop();
  },
);
