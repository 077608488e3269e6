/** CloudStack's list paging parameters (page, pagesize) as the core's Paging. */
import type { Paging } from '../../lib/page.js';

/** The Paging a list command's page and pagesize ask for. */
export function csPaging(p: { page?: number | undefined; pagesize?: number | undefined }): Paging {
  return { page: p.page, pageSize: p.pagesize };
}
