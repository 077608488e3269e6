/** Polling for tests that wait on background work (task workers, callback and webhook deliveries). */
import assert from 'node:assert/strict';

/** Polls check every stepMs until it answers something truthy and returns that, failing with `what` after ms. */
export async function until<T>(
  what: string,
  check: () => Promise<T> | T,
  ms = 20_000,
  stepMs = 25,
): Promise<Exclude<T, null | undefined | false>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as Exclude<T, null | undefined | false>;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
