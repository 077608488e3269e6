/** Pages of lists: the page a caller asks for, the page it gets, and the in-memory cut for lists that are not queries. */

/** A page request (pages start at 1); no pageSize (or 0) means every item. */
export interface Paging {
  page?: number;
  pageSize?: number;
}

/** One page of results with the total count across pages. */
export interface Page<T> {
  count: number;
  items: T[];
}

/** Cuts the requested page out of a whole list, for lists core builds in memory (cached catalog rows, computed limits). */
export function paginate<T>(all: T[], paging: Paging): Page<T> {
  if (!paging.pageSize || paging.pageSize <= 0) return { count: all.length, items: all };
  const page = Math.max(1, paging.page ?? 1);
  return { count: all.length, items: all.slice((page - 1) * paging.pageSize, page * paging.pageSize) };
}

/** Case-insensitive keyword match over some text fields (no keyword matches everything). */
export function matchesKeyword(keyword: string | undefined, ...fields: Array<string | null | undefined>): boolean {
  if (!keyword) return true;
  const k = keyword.toLowerCase();
  return fields.some((f) => f?.toLowerCase().includes(k));
}
