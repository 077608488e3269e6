/** Decoding of the `tags[i].key/.value` maps that list, create and delete commands of several resources take. */
import type { Tag, TagMatch } from '../../core/tags/service.js';
import { invalid } from '../../lib/errors.js';
import { param } from './command.js';

/** The optional `tags` filter of list commands. */
export const TAGS_FILTER = param.map<'key' | 'value'>("List by tags (key/value pairs); several tags are OR'ed");

type MapEntries = Array<{ key?: string; value?: string }> | undefined;

/** A tags map as filters: entries without a key are ignored, a missing value matches any value; no filter when none is left. */
export function tagMatches(v: MapEntries): TagMatch[] | undefined {
  const out = (v ?? []).filter((t) => t.key).map((t) => ({ key: t.key!, value: t.value }));
  return out.length ? out : undefined;
}

/** A tags map as filters for VMs, volumes, snapshots and security groups: like tagMatches, but a map of only keyless entries filters to an empty list. */
export function tagFilter(v: MapEntries): Array<{ key: string; value?: string }> | undefined {
  return v?.filter((t) => t.key).map((t) => ({ key: t.key!, value: t.value }));
}

/** A tags map as key/value pairs to create: every entry needs both. */
export function tagPairs(v: MapEntries): Tag[] {
  return (v ?? []).map((t, i) => {
    if (t.key === undefined) throw invalid(`tags[${i}].key is required`, 'tags');
    if (t.value === undefined) throw invalid(`tags[${i}].value is required`, 'tags');
    return { key: t.key, value: t.value };
  });
}
