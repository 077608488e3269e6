/** CallContext: who is calling, through which dialect, for which request; every core call takes one. */

/** The authenticated caller of a core operation. */
export interface CallContext {
  accountId: string;
  accountName: string;
  userId: string | null;
  /** Admin accounts may operate on the catalog and on other accounts through admin tooling. */
  isAdmin: boolean;
  requestId: string;
  /** The dialect and command that started the call, recorded with tasks (e.g. "cloudstack:deployVirtualMachine"). */
  origin: string;
  /**
   * What a restricted credential may do, as `<resource>:<action>` permissions (e.g. `vps:read`), checked by the core's
   * guard; undefined means the credential is not restricted.
   */
  permissions?: ReadonlySet<string>;
  /**
   * What a restricted IAM API key may do, as operations (`compute/*`, `dns/listDnsDomains`), checked by the core's guard
   * against `operation`; undefined means the key is not restricted.
   */
  operations?: ReadonlySet<string>;
  /** The IAM operation this call performs (`compute/deployVirtualMachine`), named by the dialect for every command. */
  operation?: string;
  /**
   * The data version this call's cached reads use instead of reading it again: set only for calls that write nothing,
   * with a version read after their request arrived (an answer cache's), so they see every commit made before it.
   */
  dataVersion?: number;
}

/** A context for operator tooling (CLI, seeding) acting as the given account. */
export function systemContext(accountId: string, accountName = 'system', origin = 'system'): CallContext {
  return { accountId, accountName, userId: null, isAdmin: true, requestId: 'system', origin };
}
