/**
 * ES-STREAM: a task-creating request sent with an ES-STREAM header is answered 201 at once, then one space per poll
 * while the task runs, then "<final HTTP code>\n" and the task status JSON (es prints that status); the answer ends.
 */
import type { FastifyReply } from 'fastify';
import type { DanubeAnswer } from './answers.js';
import type { DanubeRequest } from './request.js';
import { taskStatus } from './task-status.js';

/** How long a stream waits for its task before answering the pending body without a code line (Danube's API_SYNC_TIMEOUT). */
const STREAM_TIMEOUT_MS = 3600_000;

/** The wait before the next poll after elapsedMs: 1 s up to 5 s, 3 s up to 30 s, 6 s up to 60 s, 12 s up to 20 min, then 30 s. */
function pollInterval(elapsedMs: number): number {
  if (elapsedMs < 5_000) return 1_000;
  if (elapsedMs < 30_000) return 3_000;
  if (elapsedMs < 60_000) return 6_000;
  if (elapsedMs < 1_200_000) return 12_000;
  return 30_000;
}

/** Streams a created task's answer; headers are the answer's plus es_stream, already joined with the common ones. */
export async function streamTask(
  q: DanubeRequest,
  answer: DanubeAnswer,
  headers: Record<string, string>,
  render: (body: unknown) => string,
): Promise<FastifyReply> {
  const task = answer.task!;
  const reply = q.reply;
  reply.hijack();
  const res = reply.raw;
  // A hijacked reply skips the headers set on it: the request id goes in here.
  res.writeHead(201, {
    ...headers,
    es_stream: 'True',
    'content-type': 'application/json',
    'x-request-id': q.req.id,
  });
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  const started = Date.now();
  const withCode = String(q.req.headers['es-stream'] ?? '') === 'es';
  while (!closed) {
    const elapsed = Date.now() - started;
    if (elapsed >= STREAM_TIMEOUT_MS) {
      res.end(render(answer.body));
      return reply;
    }
    const job = await q.core.jobs.wait(q.ctx, task.coreId, pollInterval(elapsed)).catch(() => undefined);
    if (closed) break;
    if (job && job.status !== 'PENDING' && job.status !== 'STARTED') {
      const st = await taskStatus(q.core, q.ctx, job, task.danubeId);
      res.end(`${withCode ? `${st.code}\n` : ''}${render(st.body)}`);
      return reply;
    }
    res.write(' ');
  }
  return reply;
}
