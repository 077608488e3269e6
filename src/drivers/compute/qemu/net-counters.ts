/** Guest network byte counters from QEMU's filter-dump pcap files, read incrementally (only new records each time). */
import { promises as fs } from 'node:fs';

/** Size of the pcap file header and of each record header. */
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

interface Position {
  ino: number;
  offset: number;
  bytes: number;
  littleEndian: boolean;
}

/** Sums the original packet lengths recorded in pcap files; a file recreated by a new boot starts again from zero. */
export class PcapCounters {
  private readonly seen = new Map<string, Position>();

  /** Total bytes of the packets in the file so far (0 when it does not exist). */
  async total(path: string): Promise<number> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(path, 'r');
    } catch {
      this.seen.delete(path);
      return 0;
    }
    try {
      const st = await fh.stat();
      let pos = this.seen.get(path);
      if (!pos || pos.ino !== st.ino || st.size < pos.offset) {
        if (st.size < FILE_HEADER) return 0;
        const head = Buffer.alloc(4);
        await fh.read(head, 0, 4, 0);
        pos = { ino: st.ino, offset: FILE_HEADER, bytes: 0, littleEndian: head.readUInt32LE(0) === 0xa1b2c3d4 };
        this.seen.set(path, pos);
      }
      if (st.size > pos.offset) {
        const buf = Buffer.alloc(st.size - pos.offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos.offset);
        let at = 0;
        while (at + RECORD_HEADER <= bytesRead) {
          const incl = pos.littleEndian ? buf.readUInt32LE(at + 8) : buf.readUInt32BE(at + 8);
          const orig = pos.littleEndian ? buf.readUInt32LE(at + 12) : buf.readUInt32BE(at + 12);
          if (at + RECORD_HEADER + incl > bytesRead) break;
          pos.bytes += orig;
          at += RECORD_HEADER + incl;
        }
        pos.offset += at;
      }
      return pos.bytes;
    } finally {
      await fh.close();
    }
  }
}
