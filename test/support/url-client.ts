/** Lets the in-process test clients (CsClient) talk to a real URL: an `inject` that sends the request over HTTP. */
import type { FastifyInstance } from 'fastify';

/** What CsClient uses of a Fastify app, answered by a server at baseUrl. */
export function overHttp(baseUrl: string): FastifyInstance {
  const inject = async (req: { method: string; url: string; payload?: string; headers?: Record<string, string> }) => {
    const res = await fetch(`${baseUrl}${req.url}`, { method: req.method, body: req.payload, headers: req.headers });
    return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  };
  return { inject } as unknown as FastifyInstance;
}
