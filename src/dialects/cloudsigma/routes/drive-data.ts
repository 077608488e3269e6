/** Drive data (seed 7.2 and 7.3): raw or gzip writes at an offset (raw bodies written while they arrive, others up to 4 MiB gathered into reused buffers, gzip inflated into reused buffers), reads of at most 4 MB. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SigmaRouter } from '../router.js';
import { MAX_IO_BYTES } from '../../../core/volumes/data-io.js';
import { invalid } from '../../../lib/errors.js';
import { GunzipError, gunzipStaged, type Inflated } from '../../../lib/gunzip-staged.js';
import { SigmaFailure, errorBody } from '../errors.js';
import { bytes } from './drives.js';
import { stageBody, takeStagedBody } from './drive-body.js';
import { streamBody, takeStreamedWrite } from './drive-stream.js';

/** Largest write body (raw or compressed), and largest decompressed write. */
export const WRITE_BODY_MAX = 4 * MAX_IO_BYTES;

/** Registers write and read. */
export function driveDataRoutes(r: SigmaRouter): void {
  const write = async (c: Parameters<Parameters<SigmaRouter['route']>[2]>[0]) => {
    const offset = c.params.offset !== undefined ? bytes(c.params.offset, 'offset') : 0;
    const encoding = String(c.req.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase();
    const streamed = takeStreamedWrite(c.req);
    if (streamed) {
      await streamed;
      return undefined;
    }
    const staged = takeStagedBody(c.req);
    let inflated: Inflated | undefined;
    try {
      const body = staged?.body ?? c.body;
      await c.core.volumes.write(c.ctx, c.params.id!, offset, async (room) => {
        inflated = await decode(body, encoding, Math.min(room, WRITE_BODY_MAX));
        return inflated?.bytes ?? body;
      });
    } finally {
      inflated?.release();
      staged?.release();
    }
    return undefined;
  };
  const open = async (req: FastifyRequest, length: number) => {
    const principal = await r.caller(req);
    if (!principal) return undefined;
    const params = req.params as Record<string, string>;
    const offset = params.offset !== undefined ? bytes(params.offset, 'offset') : 0;
    return r.core.volumes.openWrite(r.context(req, principal), params.id!, offset, length);
  };
  r.route('body', ['/drives/:id/write', '/drives/:id/write/:offset'], write, {
    bodyLimit: WRITE_BODY_MAX,
    onRequest: refuseChunked,
    preParsing: (req, reply, payload) =>
      streamBody(req, reply, payload, { max: WRITE_BODY_MAX, open, fallback: stageBody }),
  });
  r.route('read', ['/drives/:id/read/:offset/:size'], async (c) => {
    const offset = bytes(c.params.offset!, 'offset');
    const size = bytes(c.params.size!, 'size');
    if (size > MAX_IO_BYTES) throw invalid(`SIZE may not exceed ${MAX_IO_BYTES} bytes (4M) per request`, 'size');
    const data = await c.core.volumes.read(c.ctx, c.params.id!, offset, size);
    return { bytes: data, sent: () => c.core.volumes.recycle(data) };
  });
}

/** Chunked transfer is refused before the body is read (seed 7.2). */
async function refuseChunked(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (/chunked/i.test(String(req.headers['transfer-encoding'] ?? ''))) {
    reply
      .code(400)
      .type('text/plain; charset=utf-8')
      .header('connection', 'close')
      .send(errorBody('Transfer-Encoding: chunked is not supported; send a Content-Length'));
  }
}

/** The inflated bytes when Content-Encoding says gzip (or, without one, when the body starts with the gzip magic); undefined to write the body as it is. */
async function decode(body: Buffer, encoding: string, limit: number): Promise<Inflated | undefined> {
  const magic = body.length >= 3 && body[0] === 0x1f && body[1] === 0x8b && body[2] === 0x08;
  if (encoding && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new SigmaFailure(400, `Content-Encoding ${encoding.slice(0, 40)} is not supported; send raw data or gzip`);
  }
  const declared = encoding === 'gzip' || encoding === 'x-gzip';
  if (!declared && !magic) return undefined;
  try {
    return await gunzipStaged(body, limit);
  } catch (err) {
    if (!(err instanceof GunzipError)) throw err;
    if (err.reason === 'too-large') {
      throw new SigmaFailure(
        400,
        `The decompressed data is larger than the room left on the drive or than ${WRITE_BODY_MAX} bytes; nothing was written`,
        'offset',
      );
    }
    if (!declared) return undefined;
    throw new SigmaFailure(400, 'The body is not valid gzip data; nothing was written');
  }
}
