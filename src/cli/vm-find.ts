/** Finds VMs for operator commands across accounts, through the core's per-account views (each account's own context). */
import type { Core } from '../core/core.js';
import type { VmView } from '../core/vms/model.js';
import { systemContext, type CallContext } from '../lib/context.js';
import { invalid, notFound } from '../lib/errors.js';
import { isUuid } from '../lib/util.js';
import { accountOf } from './account-ref.js';

/** A VM and the context of its account, which the core's VM calls take. */
export interface FoundVm {
  vm: VmView;
  ctx: CallContext;
}

/** The contexts of every account, or of the one named (by name or id). */
async function contexts(core: Core, origin: string, account?: string): Promise<CallContext[]> {
  const accounts = account ? [await accountOf(core.accounts, account)] : await core.accounts.listAccounts();
  return accounts.map((a) => systemContext(a.id, a.name, origin));
}

/** Every live VM of every account (or of one), account by account, oldest first within each. */
export async function allVms(core: Core, origin: string, account?: string): Promise<VmView[]> {
  const out: VmView[] = [];
  for (const ctx of await contexts(core, origin, account)) out.push(...(await core.vms.list(ctx)).items);
  return out;
}

/** The one live VM with this id or name; NotFound when none, Invalid when the name is not unique (give the id). */
export async function findVm(core: Core, ref: string, origin: string, account?: string): Promise<FoundVm> {
  const found: FoundVm[] = [];
  for (const ctx of await contexts(core, origin, account)) {
    const page = await core.vms.list(ctx, isUuid(ref) ? { id: ref } : { name: ref });
    for (const vm of page.items) found.push({ vm, ctx });
  }
  if (found.length === 0) throw notFound('virtual machine', ref, 'vm');
  if (found.length > 1)
    throw invalid(`More than one VM is named ${ref} (in ${found.map((f) => f.vm.accountName).join(', ')}); use its id`);
  return found[0]!;
}
