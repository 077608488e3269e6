/** Guards of the HTTP listener against clients that hold connections or memory: a connection limit, header, request and idle timeouts, and closing a connection whose answer left its body unread. */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RequestPayload } from 'fastify';
import type { HttpLimits } from '../config.js';

/** How often a dropped-connection warning may be logged. */
const DROP_LOG_MS = 10_000;
/** Longest time, and most bytes, of a refused request's body read and thrown away (so a client that sends its whole body before reading gets the answer instead of a reset) before the connection is closed. */
const LINGER_MAX_MS = 5000;
const LINGER_BYTES = 4 * 1024 * 1024;
/** How often a lingering connection's received bytes are looked at. */
const LINGER_CHECK_MS = 50;

/** Fastify server options for the limits the Node server enforces itself: headers and whole-request timeouts, and the keep-alive silence. */
export function edgeServerOptions(l: HttpLimits): Record<string, unknown> {
  // Node checks the header and request timeouts every connectionsCheckingInterval (30 s by default): check often enough to keep them.
  const checkEvery = Math.max(50, Math.min(1000, Math.floor(Math.min(l.headersTimeoutMs, l.requestTimeoutMs) / 4)));
  return {
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.idleTimeoutMs,
    http: {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      connectionsCheckingInterval: checkEvery,
    },
  };
}

/** True when the request announces a body (a Content-Length above zero or a Transfer-Encoding): routes without one skip the body's guards. */
export function bodyAnnounced(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Applies the guards that need the app (call on the root instance before any plugin is registered): the connection limit, the idle timeout while a body arrives, and closing the connection of an answer sent before its request's body was all received. */
export function guardEdge(app: FastifyInstance, l: HttpLimits): void {
  app.server.maxConnections = l.maxConnections;
  let dropped = 0;
  let loggedAt = 0;
  app.server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - loggedAt < DROP_LOG_MS) return;
    app.log.warn(
      { dropped, maxConnections: l.maxConnections },
      'connection limit reached: new connections are closed (NUBE_MAX_CONNECTIONS)',
    );
    loggedAt = now;
    dropped = 0;
  });
  // While a body arrives, a connection that sends nothing for idleTimeoutMs is closed (and the request with it); once the body is in, the
  // handler may take as long as it needs (synchronous dialects wait for tasks). The clock starts when the body is read (preParsing, after
  // every onRequest hook): while the server itself is still checking the caller it reads nothing, and that wait is not the client's silence.
  app.addHook(
    'preParsing',
    (
      req: FastifyRequest,
      _reply: FastifyReply,
      payload: RequestPayload,
      done: (err: null, payload: RequestPayload) => void,
    ) => {
      if (bodyAnnounced(req)) req.raw.socket?.setTimeout?.(l.idleTimeoutMs);
      done(null, payload);
    },
  );
  app.addHook('preHandler', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (bodyAnnounced(req)) req.raw.socket?.setTimeout?.(0);
    done();
  });
  // An answer sent before the body arrived (refused callers, oversize bodies): Node reads the rest of the body and throws it away (nothing
  // is kept) for a short while; a body still arriving after that time or that many bytes is cut off with its connection.
  const lingerMs = Math.min(LINGER_MAX_MS, l.idleTimeoutMs);
  app.addHook(
    'onSend',
    (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
      if (bodyAnnounced(req) && req.raw.complete === false) lingerThenClose(req, reply, lingerMs);
      done(null, payload);
    },
  );
}

/** Lets Node drain (and discard) the unread body after the answer, and closes the connection unless the body ends within ms and LINGER_BYTES. */
function lingerThenClose(req: FastifyRequest, reply: FastifyReply, ms: number): void {
  const socket = req.raw.socket;
  if (!socket || typeof socket.destroy !== 'function') return;
  reply.removeHeader('connection');
  const from = socket.bytesRead;
  const until = Date.now() + ms;
  const timer = setInterval(() => {
    if (req.raw.complete) clearInterval(timer);
    else if (Date.now() >= until || socket.bytesRead - from > LINGER_BYTES) socket.destroy();
  }, LINGER_CHECK_MS);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
