/** Decoding of `tags[i].key/.value` maps shared by this group's commands. */
import type { ParamSpec } from '../../params.js';
import type { Tag, TagMatch } from '../../../../core/tags/service.js';
import { invalid } from '../../../../lib/errors.js';

/** The optional `tags` filter of list commands. */
export const TAGS_FILTER: ParamSpec = { name: 'tags', type: 'map', description: 'List by tags (key/value pairs); several tags are OR\'ed' };

type MapEntries = Array<Record<string, string>> | undefined;

/** A tags map as filters: entries without a key are ignored, a missing value matches any value. */
export function tagMatches(v: MapEntries): TagMatch[] | undefined {
  const out = (v ?? []).filter((t) => t.key).map((t) => ({ key: t.key!, value: t.value }));
  return out.length ? out : undefined;
}

/** A tags map as key/value pairs to create: every entry needs both. */
export function tagPairs(v: MapEntries): Tag[] {
  return (v ?? []).map((t, i) => {
    if (t.key === undefined) throw invalid(`tags[${i}].key is required`, 'tags');
    if (t.value === undefined) throw invalid(`tags[${i}].value is required`, 'tags');
    return { key: t.key, value: t.value };
  });
}
