import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PIECE_BYTES, PieceWriter, gatheredWriter, type PieceSource } from '../../src/drivers/storage/volume-writer.js';

/** A fake volume: records writes (each taking `delay` ms, failing at failAt), what is in flight, and buffers taken and given back. */
function fakeSource(delay: number, failAt = -1) {
  const s = {
    volume: Buffer.alloc(16 * PIECE_BYTES),
    running: 0,
    most: 0,
    taken: 0,
    given: 0,
    opened: 0,
    released: 0,
    writes: 0,
  };
  const source: PieceSource = {
    buffers(count) {
      s.taken += count;
      return {
        pieces: Array.from({ length: count }, () => Buffer.alloc(PIECE_BYTES)),
        release: () => {
          s.given += count;
        },
      };
    },
    async open() {
      s.opened++;
      return {
        write: async (pos, piece) => {
          s.running++;
          s.most = Math.max(s.most, s.running);
          await new Promise((resolve) => setTimeout(resolve, delay));
          s.running--;
          if (s.writes++ === failAt) throw new Error('disk on fire');
          piece.copy(s.volume, pos);
        },
        release: async () => {
          s.released++;
        },
      };
    },
  };
  return { s, source };
}

test('pieces are written in place, at most two at once, and the buffers and volume are let go at the end', async () => {
  const { s, source } = fakeSource(5);
  const data = randomBytes(6 * PIECE_BYTES + 123);
  const w = new PieceWriter(PIECE_BYTES, data.length, source);
  for (let at = 0; at < data.length; at += 70_000) await w.write(data.subarray(at, at + 70_000));
  await w.finish();
  assert.ok(s.volume.subarray(PIECE_BYTES, PIECE_BYTES + data.length).equals(data));
  assert.equal(s.most, 2);
  assert.deepEqual([s.opened, s.released, s.taken, s.given], [1, 1, 4, 4]);
});

test('a failed piece fails the write and later chunks; abort waits for pieces under way and gives everything back once', async () => {
  const { s, source } = fakeSource(2, 1);
  const w = new PieceWriter(0, 8 * PIECE_BYTES, source);
  await assert.rejects(async () => {
    for (let i = 0; i < 8; i++) await w.write(Buffer.alloc(PIECE_BYTES, i));
  }, /disk on fire/);
  await assert.rejects(w.finish());
  await w.abort();
  assert.equal(s.running, 0);
  assert.deepEqual([s.released, s.given], [1, s.taken]);
  const idle = fakeSource(0);
  const none = new PieceWriter(0, PIECE_BYTES, idle.source);
  await none.abort();
  assert.deepEqual([idle.s.opened, idle.s.taken], [0, 0], 'a writer given nothing opens nothing');
});

test('the gathered writer hands over the whole write at finish, and refuses too many or too few bytes', async () => {
  const got: Buffer[] = [];
  const w = gatheredWriter(10, async (d) => {
    got.push(d);
  });
  await w.write(Buffer.from('hello'));
  await assert.rejects(w.write(Buffer.from('world!')));
  await w.write(Buffer.from('world'));
  await w.finish();
  assert.deepEqual(got.map(String), ['helloworld']);
  const short = gatheredWriter(10, async (d) => {
    got.push(d);
  });
  await short.write(Buffer.from('abc'));
  await assert.rejects(short.finish());
  assert.equal(got.length, 1);
});
