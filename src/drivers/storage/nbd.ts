/** A small NBD client (fixed newstyle handshake, NBD_OPT_GO, simple replies) over a unix socket: reads and writes bytes of a qemu export. */
import { connect, type Socket } from 'node:net';

const NBDMAGIC = Buffer.from('NBDMAGIC', 'ascii');
const IHAVEOPT = 0x49484156454f5054n;
const OPT_REPLY_MAGIC = 0x3e889045565a9n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;
const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
const OPT_GO = 7;
const REP_ACK = 1;
const REP_INFO = 3;
const INFO_EXPORT = 0;
const CMD_READ = 0;
const CMD_WRITE = 1;
const CMD_DISC = 2;
const CMD_FLUSH = 3;
const FLAG_SEND_FLUSH = 1 << 2;
/** Largest payload of one request; bigger reads and writes are split. */
const MAX_REQUEST = 4 * 1024 * 1024;

type Pending = { resolve: (b: Buffer) => void; reject: (e: Error) => void; readLen: number };

/** One NBD connection to one export; requests may overlap and are matched to replies by handle. */
export class NbdClient {
  /** The export's size in bytes, as the server announced it. */
  size = 0;
  private flags = 0;
  /** Received bytes not consumed yet, as the socket delivered them (joined only once, when consumed). */
  private chunks: Buffer[] = [];
  private queued = 0;
  private wantBytes: ((b: Buffer<ArrayBuffer>) => void) | undefined;
  private wantLen = 0;
  private pending = new Map<bigint, Pending>();
  private nextHandle = 1n;
  private failed: Error | undefined;
  private replyHead: Buffer | undefined;

  private constructor(private readonly sock: Socket) {}

  /** Connects to a unix socket and negotiates the export (empty name: the server's default). */
  static async open(socketPath: string, exportName = '', timeoutMs = 10000): Promise<NbdClient> {
    const sock = connect(socketPath);
    const c = new NbdClient(sock);
    const timer = setTimeout(
      () => sock.destroy(new Error(`NBD ${socketPath}: no handshake within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
      });
      sock.on('data', (d: Buffer) => c.onData(d));
      sock.on('error', (e) => c.fail(e));
      sock.on('close', () => c.fail(new Error('NBD connection closed')));
      await c.handshake(exportName);
      return c;
    } catch (err) {
      sock.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** True while the connection can take requests. */
  get usable(): boolean {
    return !this.failed && !this.sock.destroyed;
  }

  /** Reads length bytes at offset. */
  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(length);
    const parts: Array<Promise<void>> = [];
    for (let at = 0; at < length; at += MAX_REQUEST) {
      const n = Math.min(MAX_REQUEST, length - at);
      parts.push(
        this.request(CMD_READ, offset + at, n).then((b) => {
          b.copy(out, at);
        }),
      );
    }
    await Promise.all(parts);
    return out;
  }

  /** Writes data at offset. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    const parts: Array<Promise<unknown>> = [];
    for (let at = 0; at < data.length; at += MAX_REQUEST) {
      const chunk = data.subarray(at, Math.min(data.length, at + MAX_REQUEST));
      parts.push(this.request(CMD_WRITE, offset + at, chunk.length, chunk));
    }
    await Promise.all(parts);
  }

  /** Asks the server to persist written data, when it supports flush. */
  async flush(): Promise<void> {
    if (this.flags & FLAG_SEND_FLUSH) await this.request(CMD_FLUSH, 0, 0);
  }

  /** Says goodbye and closes the socket. */
  async close(): Promise<void> {
    if (this.usable) {
      this.sock.write(header(CMD_DISC, 0n, 0, 0));
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.sock.destroy();
          resolve();
        }, 1000);
        this.sock.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        this.sock.end();
      });
    }
    this.sock.destroy();
  }

  private async handshake(exportName: string): Promise<void> {
    const hello = await this.take(18);
    if (!hello.subarray(0, 8).equals(NBDMAGIC) || hello.readBigUInt64BE(8) !== IHAVEOPT)
      throw new Error('Not an NBD newstyle server');
    const serverFlags = hello.readUInt16BE(16);
    if (!(serverFlags & FLAG_FIXED_NEWSTYLE)) throw new Error('The NBD server does not speak fixed newstyle');
    const client = Buffer.alloc(4);
    client.writeUInt32BE(FLAG_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES));
    const name = Buffer.from(exportName, 'utf8');
    const opt = Buffer.alloc(16 + 4 + name.length + 2);
    opt.writeBigUInt64BE(IHAVEOPT, 0);
    opt.writeUInt32BE(OPT_GO, 8);
    opt.writeUInt32BE(4 + name.length + 2, 12);
    opt.writeUInt32BE(name.length, 16);
    name.copy(opt, 20);
    this.sock.write(Buffer.concat([client, opt]));
    for (;;) {
      const head = await this.take(20);
      if (head.readBigUInt64BE(0) !== OPT_REPLY_MAGIC) throw new Error('Bad NBD option reply');
      const type = head.readUInt32BE(12);
      const body = await this.take(head.readUInt32BE(16));
      if (type === REP_ACK) break;
      if (type === REP_INFO && body.readUInt16BE(0) === INFO_EXPORT) {
        this.size = Number(body.readBigUInt64BE(2));
        this.flags = body.readUInt16BE(10);
      } else if (type & 0x80000000) {
        throw new Error(`NBD server refused the export: ${body.toString('utf8') || `error ${type & 0x7fffffff}`}`);
      }
    }
  }

  private request(type: number, offset: number, length: number, data?: Uint8Array): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    const handle = this.nextHandle++;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(handle, { resolve, reject, readLen: type === CMD_READ ? length : 0 });
      this.sock.write(header(type, handle, offset, length));
      if (data) this.sock.write(data);
    });
  }

  /** Resolves with the next n bytes of the stream (handshake phase only). */
  private take(n: number): Promise<Buffer<ArrayBuffer>> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.wantLen = n;
      this.wantBytes = resolve;
      this.pendingReject = reject;
      this.drain();
    });
  }

  private pendingReject: ((e: Error) => void) | undefined;

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.queued += d.length;
    this.drain();
  }

  /** Removes n queued bytes (n ≤ queued) into one buffer, copying each byte at most once. */
  private consume(n: number): Buffer<ArrayBuffer> {
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, n - at);
      c.copy(out, at, 0, take);
      at += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.queued -= n;
    return out;
  }

  private drain(): void {
    if (this.wantBytes) {
      if (this.queued < this.wantLen) return;
      const out = this.consume(this.wantLen);
      const done = this.wantBytes;
      this.wantBytes = undefined;
      this.pendingReject = undefined;
      done(out);
      return;
    }
    for (;;) {
      if (!this.replyHead) {
        if (this.queued < 16) return;
        this.replyHead = this.consume(16);
        if (this.replyHead.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) return this.fail(new Error('Bad NBD reply'));
      }
      const head = this.replyHead;
      const handle = head.readBigUInt64BE(8);
      const p = this.pending.get(handle);
      if (!p) return this.fail(new Error('NBD reply to an unknown request'));
      const error = head.readUInt32BE(4);
      const len = error ? 0 : p.readLen;
      if (this.queued < len) return;
      const payload = this.consume(len);
      this.replyHead = undefined;
      this.pending.delete(handle);
      if (error) p.reject(new Error(`NBD request failed with error ${error}`));
      else p.resolve(payload);
    }
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    this.pendingReject?.(err);
    this.wantBytes = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.sock.destroy();
  }
}

function header(type: number, handle: bigint, offset: number, length: number): Buffer {
  const h = Buffer.alloc(28);
  h.writeUInt32BE(REQUEST_MAGIC, 0);
  h.writeUInt16BE(0, 4);
  h.writeUInt16BE(type, 6);
  h.writeBigUInt64BE(handle, 8);
  h.writeBigUInt64BE(BigInt(offset), 16);
  h.writeUInt32BE(length, 24);
  return h;
}
