/** Principal: who a verified credential stands for; its own module so the account service and each credential check can share it. */
import type { AccountRow, UserRow } from '../../store/schema.js';

/** The identity a credential resolves to. */
export interface Principal {
  account: AccountRow;
  user: UserRow;
  /** The IAM operations a restricted API key may perform; undefined for every other credential. */
  operations?: ReadonlySet<string>;
}
