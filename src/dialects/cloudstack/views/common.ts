/** Formatting shared by CloudStack views: dates, sizes, tags. */

/** An ISO timestamp in CloudStack's form, e.g. 2013-12-19T22:28:31+0000. */
export function csDate(iso: string | null | undefined): string | undefined {
  if (!iso) return undefined;
  return iso.replace(/\.\d+Z$/, '+0000').replace(/Z$/, '+0000');
}

/** Tags as CloudStack lists them on a resource. */
export function csTags(
  tags: Array<{ key: string; value: string }>,
  resourceType: string,
  resourceId: string,
  account: string,
): object[] {
  return tags.map((t) => ({
    key: t.key,
    value: t.value,
    resourcetype: resourceType,
    resourceid: resourceId,
    account,
    domain: 'ROOT',
  }));
}
