/** Counted pages of list queries: how many rows the filters match, and one page of them (pages start at 1). */
import type { SelectQueryBuilder } from 'kysely';
import type { DB } from './schema.js';
import type { Paging } from '../lib/page.js';

/** An ordered row query that can be cut to a page. */
export interface PageableRows<R> {
  limit(n: number): { offset(n: number): { execute(): Promise<R[]> } };
  execute(): Promise<R[]>;
}

/**
 * Counts what the filtered query q matches (unless the caller already knows, or is finding out) and runs the page of
 * rows (q with its selection and order); the count and the page are sent together, one round trip instead of two.
 */
export async function countedPage<R>(
  q: SelectQueryBuilder<DB, any, object>,
  rows: PageableRows<R>,
  p: Paging,
  known?: number | Promise<number>,
): Promise<{ count: number; rows: R[] }> {
  const total =
    known !== undefined
      ? known
      : q
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
          .then((r) => Number(r.n));
  const page =
    p.pageSize && p.pageSize > 0 ? rows.limit(p.pageSize).offset((Math.max(1, p.page ?? 1) - 1) * p.pageSize) : rows;
  const [count, list] = await Promise.all([total, page.execute()]);
  return { count, rows: list };
}
