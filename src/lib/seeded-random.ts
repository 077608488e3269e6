/** One seeded pseudo-random generator (mulberry32) per process, so chaos draws can be replayed from a seed. */

/** The largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffff_ffff;

/**
 * mulberry32: a tiny, well-known 32-bit generator; the same seed gives the same sequence of numbers in [0, 1), which is
 * all a replayable fault sequence needs (it is not for secrets). Reseeding under a new epoch restarts the sequence.
 */
export class SeededRandom {
  private state = 0;
  private adopted: { seed: number; epoch: number } | undefined;

  /** Restarts the sequence from seed when (seed, epoch) differs from what was adopted last; the same pair again is a no-op. */
  adopt(seed: number, epoch: number): void {
    if (this.adopted && this.adopted.seed === seed && this.adopted.epoch === epoch) return;
    this.adopted = { seed, epoch };
    this.state = seed >>> 0;
  }

  /** The seed the sequence started from, or undefined before any was adopted. */
  get seed(): number | undefined {
    return this.adopted?.seed;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
