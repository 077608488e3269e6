/**
 * The authoritative DNS server for hosted domains, UDP and TCP on one port: every query is answered from the store
 * (through the core's DNS service), so a record changed through any API is answered by the next query. Limits keep
 * any one client from holding it: in-flight queries, TCP connections, TCP idle time and message sizes.
 */
import { createSocket, type Socket as UdpSocket, type RemoteInfo } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import type { Logger } from 'pino';
import { RCODE, resolve, responseFor, type PtrSource, type ZoneSource } from './answer.js';

/** How the server is built: where it listens, what it answers from, and its limits (defaults below). */
export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  zones: ZoneSource;
  /** Answers PTR queries for reverse names outside hosted zones; without it they are REFUSED. */
  ptr?: PtrSource;
  log: Logger;
  /** Open TCP connections at most; more are closed at once. */
  maxTcpConnections?: number;
  /** A TCP connection that sends nothing for this long is closed. */
  tcpIdleMs?: number;
  /** Queries being answered at once at most; UDP queries beyond it are dropped, TCP ones wait for their connection's turn. */
  maxInFlight?: number;
}

/** The largest UDP answer without EDNS (RFC 1035), and the most Nube sends with it whatever the client offers. */
const UDP_PLAIN = 512;
const UDP_EDNS_MAX = 4096;
/** The EDNS payload size Nube advertises (the DNS flag day 2020 value). */
const EDNS_ADVERTISED = 1232;
/** A query larger than this is not a query: UDP datagrams and TCP messages beyond it are dropped. */
const MAX_QUERY = 4096;

/** One authoritative DNS server; start() binds UDP and TCP, stop() closes both and every connection. */
export class DnsServer {
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly sockets = new Set<Socket>();
  private inFlight = 0;
  private readonly maxTcp: number;
  private readonly idleMs: number;
  private readonly maxInFlight: number;

  constructor(private readonly opts: DnsServerOptions) {
    this.maxTcp = opts.maxTcpConnections ?? 128;
    this.idleMs = opts.tcpIdleMs ?? 10_000;
    this.maxInFlight = opts.maxInFlight ?? 256;
  }

  /** The port both transports listen on (after start). */
  get port(): number {
    const a = this.tcp?.address();
    return a && typeof a === 'object' ? a.port : this.opts.port;
  }

  /** Binds TCP, then UDP on the same port (with port 0, tries other free ports until both fit); logs the address. */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const tcp = await this.listenTcp(this.opts.port);
      const port = (tcp.address() as { port: number }).port;
      try {
        this.udp = await this.bindUdp(port);
        this.tcp = tcp;
        break;
      } catch (err) {
        await new Promise<void>((done) => tcp.close(() => done()));
        if (this.opts.port !== 0 || attempt >= 10) throw err;
      }
    }
    this.opts.log.info({ host: this.opts.host, port: this.port }, 'DNS server listening (UDP and TCP)');
  }

  /** Stops listening and closes every open TCP connection. */
  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (udp) await new Promise<void>((done) => udp.close(() => done()));
    if (tcp) await new Promise<void>((done) => tcp.close(() => done()));
    if (udp || tcp) this.opts.log.info('DNS server stopped');
  }

  private listenTcp(port: number): Promise<Server> {
    return new Promise((ok, fail) => {
      const server = createServer((socket) => this.onConnection(socket));
      server.maxConnections = this.maxTcp;
      server.once('error', fail);
      server.listen({ host: this.opts.host, port }, () => {
        server.off('error', fail);
        server.on('error', (err) => this.opts.log.error({ err }, 'DNS TCP listener error'));
        ok(server);
      });
    });
  }

  private bindUdp(port: number): Promise<UdpSocket> {
    return new Promise((ok, fail) => {
      const socket = createSocket(isIPv6(this.opts.host) ? 'udp6' : 'udp4');
      socket.once('error', fail);
      socket.bind({ address: this.opts.host, port }, () => {
        socket.off('error', fail);
        socket.on('error', (err) => this.opts.log.error({ err }, 'DNS UDP socket error'));
        socket.on('message', (msg, rinfo) => this.onDatagram(socket, msg, rinfo));
        ok(socket);
      });
    });
  }

  private onDatagram(socket: UdpSocket, msg: Buffer, rinfo: RemoteInfo): void {
    if (msg.length > MAX_QUERY || this.inFlight >= this.maxInFlight) return;
    void this.answer(msg, 'udp').then((out) => {
      if (out && this.udp === socket) socket.send(out, rinfo.port, rinfo.address);
    });
  }

  /** One TCP connection: two-byte length framing, queries answered in order, closed when idle or malformed. */
  private onConnection(socket: Socket): void {
    this.sockets.add(socket);
    socket.setTimeout(this.idleMs, () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    let busy = false;
    const drain = async () => {
      if (busy) return;
      busy = true;
      while (pending.length >= 2 && !socket.destroyed) {
        const len = pending.readUInt16BE(0);
        if (len > MAX_QUERY || len < 12) {
          socket.destroy();
          break;
        }
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const out = await this.answer(Buffer.from(msg), 'tcp');
        if (out && !socket.destroyed) {
          const frame = Buffer.alloc(2);
          frame.writeUInt16BE(out.length);
          socket.write(Buffer.concat([frame, out]));
        }
      }
      busy = false;
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (pending.length > 2 + MAX_QUERY + 2 + MAX_QUERY) {
        socket.destroy();
        return;
      }
      void drain();
    });
  }

  /** The encoded answer to one message, or undefined when it deserves none (a response, or too short to carry an id). */
  private async answer(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    if (msg.length < 2) return undefined;
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return msg.length >= 12 && (msg[2]! & 0x80) === 0 ? formErr(msg) : undefined;
    }
    if (query.type === 'response') return undefined;
    const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const limit =
      transport === 'tcp'
        ? 65535
        : opt
          ? Math.min(Math.max(opt.udpPayloadSize ?? UDP_PLAIN, UDP_PLAIN), UDP_EDNS_MAX)
          : UDP_PLAIN;
    const decoded = query as Packet & { opcode?: string };
    let packet: Packet;
    if ((query.questions?.length ?? 0) !== 1) packet = responseFor(query, plain(RCODE.FORMERR));
    else if (decoded.opcode !== undefined && decoded.opcode !== 'QUERY')
      packet = responseFor(query, plain(RCODE.NOTIMP));
    else {
      this.inFlight++;
      try {
        packet = responseFor(query, await resolve(query.questions![0]!, this.opts.zones, this.opts.ptr));
      } catch (err) {
        this.opts.log.error({ err }, 'DNS query failed');
        packet = responseFor(query, plain(RCODE.SERVFAIL));
      } finally {
        this.inFlight--;
      }
    }
    if (opt) packet.additionals = [...(packet.additionals ?? []), ednsOpt()];
    return fit(packet, limit, !!opt);
  }
}

const plain = (rcode: number) => ({ rcode, authoritative: false, answers: [], authorities: [], additionals: [] });

function ednsOpt() {
  return {
    type: 'OPT' as const,
    name: '.',
    udpPayloadSize: EDNS_ADVERTISED,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [],
  };
}

/** Encodes packet; past limit it is cut to its header and question with TC set (and the OPT kept). */
function fit(packet: Packet, limit: number, edns: boolean): Buffer {
  const full = dnsPacket.encode(packet);
  if (full.length <= limit) return full;
  return dnsPacket.encode({
    ...packet,
    flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
    answers: [],
    authorities: [],
    additionals: edns ? [ednsOpt()] : [],
  });
}

/** FORMERR for a message that does not decode: its id and opcode echoed, no sections. */
function formErr(msg: Buffer): Buffer {
  const out = Buffer.alloc(12);
  msg.copy(out, 0, 0, 2);
  out.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x7900) | RCODE.FORMERR, 2);
  return out;
}
