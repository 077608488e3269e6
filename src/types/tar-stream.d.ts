/** The part of tar-stream 2 (which ships no types) that the state archive uses. */
declare module 'tar-stream' {
  import type { Readable, Writable } from 'node:stream';

  /** One tar header: what the archive records about a file. */
  interface Headers {
    name: string;
    size?: number;
    mode?: number;
    mtime?: Date;
    type?: 'file' | 'directory' | string;
  }

  /** A tar archive being written: entries in order, then finalize. */
  interface Pack extends Readable {
    entry(header: Headers, buffer: Buffer, callback?: (err?: Error | null) => void): Writable;
    entry(header: Headers, callback?: (err?: Error | null) => void): Writable;
    finalize(): void;
  }

  /** A tar archive being read: one 'entry' event per file, the next one after next() is called. */
  interface Extract extends Writable {
    on(event: 'entry', listener: (header: Headers, stream: Readable, next: (err?: Error) => void) => void): this;
    on(event: string, listener: (...args: any[]) => void): this;
  }

  function pack(): Pack;
  function extract(): Extract;
}
