/** A TCP proxy a test puts between Nube and PostgreSQL to cut, refuse and restore the connection (an outage without touching the server others use). */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Forwards 127.0.0.1:port to a target; cut() resets every connection, refuse() stops accepting, accept() resumes. */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts forwarding on a free port. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port));
    });
    await new Promise<void>((r) => probe.close(() => r()));
    const proxy = new TcpProxy(port, target);
    await proxy.accept();
    return proxy;
  }

  /** How many client connections are open through the proxy. */
  get open(): number {
    return this.sockets.size / 2;
  }

  /** Starts (again) accepting connections on the same port. */
  async accept(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Resets every open connection (both sides), as a crashed or restarted server would. */
  cut(): void {
    for (const s of this.sockets) {
      try {
        s.resetAndDestroy();
      } catch {
        s.destroy();
      }
    }
    this.sockets.clear();
  }

  /** Cuts every connection and closes the port: new connections are refused until accept(). */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.cut();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Refuses and forgets everything. */
  async close(): Promise<void> {
    await this.refuse();
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }
}
