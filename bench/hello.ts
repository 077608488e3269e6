/** The baseline: a bare Fastify hello-world server, measured like Nube to give the list figure a same-machine yardstick. */
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('Ready.\n');
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
