/** TagService: key/value tags on the caller's resources, plus loaders other services reuse to show and filter by tags. */
import type { Q } from '../../store/db.js';
import { isUniqueViolation } from '../../store/db.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import type { Page } from '../../lib/page.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { checkOwned, resourceType } from './resources.js';
import { countedPage } from '../../store/page.js';

/** A key/value pair as resources show it. */
export interface Tag {
  key: string;
  value: string;
}

/** A tag as listTags shows it. */
export interface TagView {
  key: string;
  value: string;
  resourceId: string;
  resourceType: string;
  accountId: string;
  accountName: string;
  customer: string | null;
  created: string;
}

/** A tag filter: a key and optionally the value it must have. */
export interface TagMatch {
  key: string;
  value?: string;
}

/** Filters of a tag list. */
export interface TagFilter {
  resourceId?: string;
  resourceType?: string;
  key?: string;
  value?: string;
  customer?: string;
  keyword?: string;
  page?: number;
  pageSize?: number;
}

const KEY_MAX = 255;
const VALUE_MAX = 255;

/** Tags of many resources (of one account when given) in one query, keyed by resource id and ordered by key; untagged resources are absent. */
export async function loadTags(q: Q, resourceIds: string[], accountId?: string): Promise<Map<string, Tag[]>> {
  const out = new Map<string, Tag[]>();
  const ids = [...new Set(resourceIds)];
  if (ids.length === 0) return out;
  let query = q.selectFrom('tags').select(['resource_id', 'key', 'value']).where('resource_id', 'in', ids);
  if (accountId) query = query.where('account_id', '=', accountId);
  const rows = await query.orderBy('key').execute();
  for (const r of rows) {
    const list = out.get(r.resource_id) ?? [];
    list.push({ key: r.key, value: r.value });
    out.set(r.resource_id, list);
  }
  return out;
}

/** Ids of the account's resources of a type carrying any of the tags (tags are OR'ed, as CloudStack documents). */
export async function idsWithTags(q: Q, accountId: string, type: string, tags: TagMatch[]): Promise<string[]> {
  if (tags.length === 0) return [];
  const rows = await q
    .selectFrom('tags')
    .select('resource_id')
    .distinct()
    .where('account_id', '=', accountId)
    .where('resource_type', '=', type)
    .where((w) =>
      w.or(
        tags.map((t) =>
          t.value === undefined ? w('key', '=', t.key) : w.and([w('key', '=', t.key), w('value', '=', t.value)]),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.resource_id);
}

/** A subquery of the caller's resource ids carrying any of the tags (CloudStack ORs them), for list filters. */
export function taggedIds(q: Q, accountId: string, tags: TagMatch[]) {
  return q
    .selectFrom('tags')
    .select('resource_id')
    .where('account_id', '=', accountId)
    .where((w) =>
      w.or(
        tags.map((t) =>
          t.value === undefined ? w('key', '=', t.key) : w.and([w('key', '=', t.key), w('value', '=', t.value)]),
        ),
      ),
    );
}

/** Removes every tag of a resource, for services deleting it. */
export async function deleteTagsOf(q: Q, resourceId: string): Promise<void> {
  await q.deleteFrom('tags').where('resource_id', '=', resourceId).execute();
}

/** Creates, deletes and lists tags of the caller's resources. */
export class TagService {
  constructor(private readonly deps: CoreDeps) {}

  /** Adds tags to resources of one type; every resource must be the caller's and must not have the key yet. */
  async create(
    ctx: CallContext,
    input: { resourceIds: string[]; resourceType: string; tags: Tag[]; customer?: string },
  ): Promise<TaskReceipt> {
    const type = resourceType(input.resourceType);
    const ids = [...new Set(input.resourceIds)];
    if (ids.length === 0) throw invalid('resourceids must name at least one resource', 'resourceIds');
    if (input.tags.length === 0) throw invalid('tags must contain at least one key/value pair', 'tags');
    const seen = new Set<string>();
    for (const t of input.tags) {
      checkKey(t.key);
      if (t.value.length > VALUE_MAX) throw invalid(`Tag values are at most ${VALUE_MAX} characters`, 'tags');
      if (seen.has(t.key)) throw invalid(`Tag key ${t.key} is given twice`, 'tags');
      seen.add(t.key);
    }
    try {
      return await this.deps.store.tx(async (trx) => {
        await checkOwned(trx, ctx.accountId, type, ids);
        const existing = await trx
          .selectFrom('tags')
          .select(['resource_id', 'key'])
          .where('resource_id', 'in', ids)
          .where('key', 'in', [...seen])
          .executeTakeFirst();
        if (existing)
          throw conflict(`The resource ${existing.resource_id} already has a tag with key ${existing.key}`, 'exists');
        const now = nowIso();
        for (const id of ids) {
          for (const t of input.tags) {
            await trx
              .insertInto('tags')
              .values({
                id: newId(),
                account_id: ctx.accountId,
                resource_type: type,
                resource_id: id,
                key: t.key,
                value: t.value,
                customer: input.customer ?? null,
                created_at: now,
              })
              .execute();
          }
        }
        return recordSyncChange(trx, {
          objectType: 'tag',
          objectId: ids[0]!,
          ctx,
          payload: { action: 'create', type, ids },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw conflict('One of the resources already has a tag with one of these keys', 'exists');
      throw err;
    }
  }

  /** Deletes tags of resources: those matching the given keys (and values), or all when none is given. */
  async delete(
    ctx: CallContext,
    input: { resourceIds: string[]; resourceType: string; tags?: TagMatch[] },
  ): Promise<TaskReceipt> {
    const type = resourceType(input.resourceType);
    const ids = [...new Set(input.resourceIds)];
    if (ids.length === 0) throw invalid('resourceids must name at least one resource', 'resourceIds');
    for (const t of input.tags ?? []) checkKey(t.key);
    return this.deps.store.tx(async (trx) => {
      await checkOwned(trx, ctx.accountId, type, ids);
      let q = trx
        .deleteFrom('tags')
        .where('account_id', '=', ctx.accountId)
        .where('resource_type', '=', type)
        .where('resource_id', 'in', ids);
      const tags = input.tags ?? [];
      if (tags.length) {
        q = q.where((w) =>
          w.or(
            tags.map((t) =>
              t.value === undefined ? w('key', '=', t.key) : w.and([w('key', '=', t.key), w('value', '=', t.value)]),
            ),
          ),
        );
      }
      const r = await q.executeTakeFirst();
      if (Number(r.numDeletedRows) === 0)
        throw notFound('tag', tags.map((t) => t.key).join(', ') || undefined, 'object');
      return recordSyncChange(trx, {
        objectType: 'tag',
        objectId: ids[0]!,
        ctx,
        payload: { action: 'delete', type, ids },
      });
    });
  }

  /** Tags of the caller's resources by resource id, for views that show them. */
  async forResources(ctx: CallContext, resourceIds: string[]): Promise<Map<string, Tag[]>> {
    return loadTags(this.deps.store.db, resourceIds, ctx.accountId);
  }

  /** One page of the caller's tags. */
  async list(ctx: CallContext, f: TagFilter = {}): Promise<Page<TagView>> {
    const db = this.deps.store.db;
    let q = db.selectFrom('tags').where('account_id', '=', ctx.accountId);
    if (f.resourceType) q = q.where('resource_type', '=', resourceType(f.resourceType));
    if (f.resourceId) q = q.where('resource_id', '=', f.resourceId);
    if (f.key !== undefined) q = q.where('key', '=', f.key);
    if (f.value !== undefined) q = q.where('value', '=', f.value);
    if (f.customer !== undefined) q = q.where('customer', '=', f.customer);
    if (f.keyword) {
      const k = `%${f.keyword.toLowerCase()}%`;
      q = q.where((eb) => eb.or([eb(eb.fn('lower', ['key']), 'like', k), eb(eb.fn('lower', ['value']), 'like', k)]));
    }
    const { count, rows } = await countedPage(
      q,
      q.selectAll().orderBy('resource_type').orderBy('resource_id').orderBy('key'),
      f,
    );
    return {
      count,
      items: rows.map((r) => ({
        key: r.key,
        value: r.value,
        resourceId: r.resource_id,
        resourceType: r.resource_type,
        accountId: r.account_id,
        accountName: ctx.accountName,
        customer: r.customer,
        created: r.created_at,
      })),
    };
  }
}

function checkKey(key: string): void {
  if (!key || key.trim() === '') throw invalid('Tag keys must not be empty', 'tags');
  if (key.length > KEY_MAX) throw invalid(`Tag keys are at most ${KEY_MAX} characters`, 'tags');
}
