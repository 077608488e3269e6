/** The baseline: a bare Fastify server answering `{hello:'world'}`, or a given file's exact bytes with a given content type (the same-bytes ceiling of a list), measured like Nube as a same-machine yardstick. */
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';

const port = Number(process.argv[2] ?? 0);
const fixed = process.argv[3] ? readFileSync(process.argv[3]) : null;
const contentType = process.argv[4] ?? 'application/json; charset=utf-8';
const app = Fastify({ logger: false });
app.get('/', async (_req, reply) => (fixed === null ? { hello: 'world' } : reply.type(contentType).send(fixed)));
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('Ready.\n');
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
