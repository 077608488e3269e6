/** A tag as CloudStack's `tag` object. */
import type { TagView } from '../../../core/tags/service.js';

/** The tag object of listTags. */
export function csTag(t: TagView): Record<string, unknown> {
  return {
    key: t.key,
    value: t.value,
    resourceid: t.resourceId,
    resourcetype: t.resourceType,
    account: t.accountName,
    domain: 'ROOT',
    domainid: t.accountId,
    customer: t.customer ?? undefined,
  };
}
