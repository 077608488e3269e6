/** Account tiers of the REST API and the request limits of each (DanubeData's published rate-limit table). */

/** The window kinds a request is counted in, with their length in seconds. */
export const SPANS = { minute: 60, hour: 3600, day: 86400 } as const;

/** A window kind. */
export type Span = keyof typeof SPANS;

/** Requests allowed per minute, hour and day, by tier. */
export const TIER_LIMITS = {
  free: { minute: 60, hour: 1000, day: 10000 },
  starter: { minute: 120, hour: 3000, day: 50000 },
  pro: { minute: 300, hour: 10000, day: 200000 },
} as const satisfies Record<string, Record<Span, number>>;

/** An account tier. */
export type Tier = keyof typeof TIER_LIMITS;

/** Every tier, cheapest first. */
export const TIERS = Object.keys(TIER_LIMITS) as Tier[];

/** True when t names a tier. */
export function isTier(t: unknown): t is Tier {
  return typeof t === 'string' && Object.hasOwn(TIER_LIMITS, t);
}
