/** TemplateService: custom templates an account registers from a URL, and their deletion. */
import type { TemplateRow } from '../../store/schema.js';
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { newId, nowIso, toFlag } from '../../lib/util.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';
import { deleteTagsOf } from '../tags/service.js';

/** Inputs of a template registration. */
export interface RegisterTemplateInput {
  name: string;
  displayText: string;
  zoneId: string;
  url: string;
  checksum: string;
  passwordEnabled?: boolean;
  sshkeyEnabled?: boolean;
  details?: Record<string, string>;
  bootMode?: string;
}

/** Size the simulator gives every registered template: it downloads nothing, so it uses Exoscale's default disk. */
const REGISTERED_TEMPLATE_SIZE = 10 * 1024 ** 3;

const TEXT_MAX = 255;
const DISPLAY_MAX = 4096;
const URL_MAX = 2048;
const DETAIL_MAX = 1024;
const BOOT_MODES = ['legacy', 'uefi'];
const OBJECT = 'template';

/** Registers and deletes the caller's templates. */
export class TemplateService {
  constructor(private readonly deps: CoreDeps) {}

  /** Registers a private template in a zone; the simulator marks it ready at once (no download). */
  async register(ctx: CallContext, input: RegisterTemplateInput): Promise<TaskReceipt> {
    const zone = await this.deps.catalog.zone(input.zoneId);
    if (!input.name.trim() || input.name.length > TEXT_MAX)
      throw invalid(`name must be 1 to ${TEXT_MAX} characters`, 'name');
    if (!input.displayText.trim() || input.displayText.length > DISPLAY_MAX)
      throw invalid(`displaytext must be 1 to ${DISPLAY_MAX} characters`, 'displayText');
    checkUrl(input.url);
    if (!/^[0-9a-f]{32}$/i.test(input.checksum))
      throw invalid('checksum must be an MD5 digest: 32 hexadecimal characters', 'checksum');
    const bootMode = (input.bootMode ?? 'legacy').toLowerCase();
    if (!BOOT_MODES.includes(bootMode)) throw invalid(`bootmode must be one of ${BOOT_MODES.join(', ')}`, 'bootMode');
    const details = input.details ?? {};
    for (const [k, v] of Object.entries(details)) {
      if (!k.trim() || k.length > TEXT_MAX)
        throw invalid(`Template detail names must be 1 to ${TEXT_MAX} characters`, 'details');
      if (v.length > DETAIL_MAX)
        throw invalid(`Template detail ${k} is longer than ${DETAIL_MAX} characters`, 'details');
    }
    const os =
      (await this.deps.catalog.listOsTypes()).find((o) => o.description === 'Other (64-bit)') ??
      (await this.deps.catalog.listOsTypes())[0];
    if (!os) throw invalid('The catalog has no OS types', 'zoneId');
    const id = newId();
    return this.deps.store.tx(async (trx) => {
      await trx
        .insertInto('templates')
        .values({
          id,
          account_id: ctx.accountId,
          zone_id: zone.id,
          name: input.name,
          display_text: input.displayText,
          size: REGISTERED_TEMPLATE_SIZE,
          format: 'QCOW2',
          os_type_id: os.id,
          featured: 0,
          public: 0,
          ready: 1,
          password_enabled: toFlag(input.passwordEnabled),
          sshkey_enabled: toFlag(input.sshkeyEnabled),
          checksum: input.checksum.toLowerCase(),
          url: input.url,
          details: Object.keys(details).length ? JSON.stringify(details) : null,
          boot_mode: bootMode,
          template_type: 'USER',
          state: 'Ready',
          created_at: nowIso(),
          removed_at: null,
        })
        .execute();
      return recordSyncChange(trx, {
        objectType: OBJECT,
        objectId: id,
        ctx,
        payload: { action: 'register', url: input.url },
        result: { type: 'template', id },
      });
    });
  }

  /**
   * Deletes one of the caller's own templates. Refused while a VM of the caller that is not removed was deployed from
   * it, so that restoring such a VM keeps working; public templates are nobody's to delete.
   */
  async delete(ctx: CallContext, id: string): Promise<TaskReceipt> {
    return this.deps.store.tx(async (trx) => {
      const t = await trx
        .selectFrom('templates')
        .selectAll()
        .where('id', '=', id)
        .where('removed_at', 'is', null)
        .executeTakeFirst();
      if (!t || (t.account_id !== ctx.accountId && t.public !== 1)) throw notFound('template', id, 'object');
      if (t.account_id !== ctx.accountId) throw invalid(`Template ${t.name} is public and cannot be deleted`, 'id');
      const used = await trx
        .selectFrom('vms')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('template_id', '=', id)
        .where('removed_at', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(used.n) > 0)
        throw conflict(
          `Template ${t.name} is used by ${Number(used.n)} virtual machine(s); destroy them first`,
          'in_use',
        );
      await trx
        .updateTable('templates')
        .set({ removed_at: nowIso(), state: 'Inactive' })
        .where('id', '=', id)
        .execute();
      await deleteTagsOf(trx, id);
      return recordSyncChange(trx, { objectType: OBJECT, objectId: id, ctx, payload: { action: 'delete' } });
    });
  }

  /** A template the caller may see (public or its own), removed ones too when asked; NotFound otherwise. */
  get(ctx: CallContext, id: string, opts: { includeRemoved?: boolean } = {}): Promise<TemplateRow> {
    return this.deps.catalog.template(ctx, id, opts);
  }
}

function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(`url is not a valid URL: ${url.slice(0, 200)}`, 'url');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('url must be an http or https URL', 'url');
  if (!u.hostname || url.length > URL_MAX)
    throw invalid(`url must name a host and be at most ${URL_MAX} characters`, 'url');
}
