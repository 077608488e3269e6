/** DanubeData's answer envelopes: `{data, pagination}` pages (15 per page by default, at most 100) and the shared TypeBox shapes. */
import { Type, type TSchema } from '@sinclair/typebox';

/** Default and largest page sizes. */
const PER_PAGE_DEFAULT = 15;
const PER_PAGE_MAX = 100;
/** The highest page number a list query may ask for. */
const PAGE_MAX = 1_000_000;

/** The query of every list: page (from 1) and per_page (1-100). */
export const PageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_MAX, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: PER_PAGE_MAX, default: PER_PAGE_DEFAULT })),
});

/** The paging a list query asks for. */
export interface Paging {
  page: number;
  perPage: number;
}

/** The paging of a parsed list query. */
export function pagingOf(q: { page?: number; per_page?: number }): Paging {
  return { page: q.page ?? 1, perPage: q.per_page ?? PER_PAGE_DEFAULT };
}

/**
 * The paging of a query as it arrived (before the schema coerces it) when it holds nothing but page and per_page as
 * plain integers in range, so that the schema would take it as is; undefined leaves the query to the schema. For a
 * list's synchronous fast path.
 */
export function plainPaging(query: unknown): Paging | undefined {
  if (!query || typeof query !== 'object') return undefined;
  const p: Paging = { page: 1, perPage: PER_PAGE_DEFAULT };
  for (const [k, v] of Object.entries(query)) {
    const n = typeof v === 'string' && /^[1-9][0-9]{0,6}$/.test(v) ? Number(v) : 0;
    if (k === 'page' && n >= 1 && n <= PAGE_MAX) p.page = n;
    else if (k === 'per_page' && n >= 1 && n <= PER_PAGE_MAX) p.perPage = n;
    else return undefined;
  }
  return p;
}

/** The pagination block of a page. */
const Pagination = Type.Object({
  current_page: Type.Integer(),
  last_page: Type.Integer(),
  per_page: Type.Integer(),
  total: Type.Integer(),
});

/** The schema of a page of items. */
export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), pagination: Pagination });
}

/** A page answer from the items of the asked page and the total count. */
export function pageAnswer<T>(items: T[], total: number, p: Paging) {
  return {
    data: items,
    pagination: {
      current_page: p.page,
      last_page: Math.max(1, Math.ceil(total / p.perPage)),
      per_page: p.perPage,
      total,
    },
  };
}

/** `{message}`: deletes, errors. */
export const Message = Type.Object({ message: Type.String() });

/** `{message, status}`: actions that start a change. */
export const ActionStarted = Type.Object({ message: Type.String(), status: Type.String() });

/** `{error, status}`: a refused state change. */
export const Refused = Type.Object({ error: Type.String(), status: Type.Optional(Type.String()) });

/** `{message, errors}`: a validation failure. */
const ValidationFailed = Type.Object({
  message: Type.String(),
  errors: Type.Record(Type.String(), Type.Array(Type.String())),
});

/** The error answers every authenticated route may give, for the OpenAPI document. */
export const COMMON_ERRORS = {
  401: Message,
  403: Message,
  404: Message,
  422: Type.Union([ValidationFailed, Refused]),
  429: Type.Object({ message: Type.String(), retry_after: Type.Integer() }),
};

/** A path id that is a UUID (VPS, firewalls). */
export const UuidParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** A path id that is an integer (SSH keys, snapshots). */
export const IntParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 }) });
