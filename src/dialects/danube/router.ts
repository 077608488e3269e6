/** Route registration for the Danube dialect: every path also under /dc/<dc>/, OPTIONS metadata, and one call wrapper. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DanubeAnswer } from './answers.js';
import type { DanubeRequest } from './request.js';

/** A route handler: reads the request and returns (or throws) a Danube answer. */
export type DanubeHandler = (q: DanubeRequest) => Promise<DanubeAnswer>;

/** One registered route. */
interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: DanubeHandler;
  doc: string;
}

/** Turns a Fastify request into a DanubeRequest, runs the handler and sends its answer (set by the plugin). */
export type CallRunner = (req: FastifyRequest, reply: FastifyReply, handler: DanubeHandler) => Promise<FastifyReply>;

/** Collects a dialect's routes; mount registers them under /api and /api/dc/:dc. */
export class DanubeRouter {
  private readonly routes: RouteDef[] = [];

  /** Adds a GET route (path relative to /api, with its trailing slash); doc is what OPTIONS describes. */
  get(path: string, handler: DanubeHandler, doc = ''): void {
    this.routes.push({ method: 'GET', path, handler, doc });
  }

  /** Adds a POST route. */
  post(path: string, handler: DanubeHandler, doc = ''): void {
    this.routes.push({ method: 'POST', path, handler, doc });
  }

  /** Adds a PUT route. */
  put(path: string, handler: DanubeHandler, doc = ''): void {
    this.routes.push({ method: 'PUT', path, handler, doc });
  }

  /** Adds a DELETE route. */
  delete(path: string, handler: DanubeHandler, doc = ''): void {
    this.routes.push({ method: 'DELETE', path, handler, doc });
  }

  /** Registers every route (and its DC-prefixed twin, and an OPTIONS answer per path) on app. */
  mount(app: FastifyInstance, run: CallRunner, unprefixed: ReadonlySet<string>): void {
    const docs = new Map<string, string[]>();
    for (const r of this.routes) {
      const paths = unprefixed.has(r.path) || r.path.startsWith('/dc/') ? [r.path] : [r.path, `/dc/:dc${r.path}`];
      for (const p of paths) {
        app.route({ method: r.method, url: p, handler: (req, reply) => run(req, reply, r.handler) });
        docs.set(
          p,
          [...(docs.get(p) ?? []), r.doc].filter((d) => d !== ''),
        );
      }
    }
    for (const [p, doc] of docs)
      app.options(p, async (_req, reply) =>
        reply.type('application/json').send(
          JSON.stringify({
            name: nameOf(p),
            description: doc.join('\n'),
            renders: ['application/json'],
            parses: ['application/json'],
          }),
        ),
      );
  }
}

/** A view name for OPTIONS from a path: /vm/:vm/status/start/ → "Vm Status Start". */
function nameOf(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '' && !s.startsWith(':'))
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join(' ');
}
