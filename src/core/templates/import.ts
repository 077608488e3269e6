/**
 * Imports an image into the caller's templates from an image manifest (IMGAPI style: uuid, name, version, os, files)
 * fetched over the guarded outbound path; the simulator downloads no file, so the template is ready at once.
 */
import type { CallContext } from '../../lib/context.js';
import type { CoreDeps } from '../deps.js';
import { invalid } from '../../lib/errors.js';
import { newId, nowIso } from '../../lib/util.js';
import { OutboundError, outboundRequest } from '../../lib/outbound.js';
import { recordSyncChange } from '../sync-change.js';
import type { TaskReceipt } from '../receipt.js';

/** What an import is given. */
export interface ImageImportInput {
  /** The template's name (letters, digits, dot, dash, underscore). */
  name: string;
  zoneId: string;
  manifestUrl: string;
  /** Where the image file is; by default `<manifestUrl>/file`. */
  fileUrl?: string;
  description?: string;
}

/** The manifest fields Nube keeps. */
interface Manifest {
  uuid?: string;
  name?: string;
  version?: string;
  os?: string;
  description?: string;
  size: number;
  sha1?: string;
}

/** Largest manifest read. */
const MANIFEST_MAX = 256 * 1024;
/** Size of an image whose manifest gives none. */
const DEFAULT_SIZE = 10 * 1024 ** 3;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Imports images from manifests. */
export class TemplateImport {
  constructor(private readonly deps: CoreDeps) {}

  /** Fetches and checks the manifest, then adds a private ready template in the zone; Invalid when the manifest cannot be used. */
  async importImage(ctx: CallContext, input: ImageImportInput): Promise<TaskReceipt> {
    if (!NAME_RE.test(input.name))
      throw invalid('name must be 1 to 64 letters, digits, dots, dashes or underscores', 'name');
    const zone = await this.deps.catalog.zone(input.zoneId);
    checkUrl(input.manifestUrl, 'manifestUrl');
    const fileUrl = input.fileUrl ?? `${input.manifestUrl.replace(/\/+$/, '')}/file`;
    checkUrl(fileUrl, 'fileUrl');
    const m = await this.manifest(input.manifestUrl);
    const osTypes = await this.deps.catalog.listOsTypes();
    const os =
      (m.os && osTypes.find((o) => new RegExp(m.os!, 'i').test(o.category_name))) ||
      osTypes.find((o) => o.description === 'Other (64-bit)') ||
      osTypes[0];
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
          display_text: (input.description || m.description || input.name).slice(0, 4096),
          size: m.size,
          format: 'QCOW2',
          os_type_id: os.id,
          featured: 0,
          public: 0,
          ready: 1,
          password_enabled: 0,
          sshkey_enabled: 1,
          checksum: null,
          url: fileUrl,
          details: JSON.stringify({
            manifestUrl: input.manifestUrl,
            ...(m.uuid ? { manifestUuid: m.uuid } : {}),
            ...(m.version ? { version: m.version } : {}),
            ...(m.sha1 ? { sha1: m.sha1 } : {}),
          }),
          boot_mode: 'legacy',
          template_type: 'USER',
          state: 'Ready',
          created_at: nowIso(),
          removed_at: null,
        })
        .execute();
      return recordSyncChange(trx, {
        objectType: 'image',
        objectId: id,
        ctx,
        payload: { action: 'import', url: input.manifestUrl },
        result: { type: 'template', id },
      });
    });
  }

  /** The manifest at url, fetched through the outbound rules (no private addresses unless the operator allows them). */
  private async manifest(url: string): Promise<Manifest> {
    checkUrl(url, 'manifestUrl');
    let text: string;
    try {
      const res = await outboundRequest({
        url,
        method: 'GET',
        headers: { accept: 'application/json' },
        allowPrivate: this.deps.config.outbound.allowPrivate,
        maxResponseBytes: MANIFEST_MAX,
        readBody: true,
      });
      if (res.status !== 200) throw invalid(`The manifest URL answered ${res.status} ${res.statusText}`, 'manifestUrl');
      text = res.body ?? '';
    } catch (err) {
      if (err instanceof OutboundError) throw invalid(`The manifest cannot be fetched: ${err.message}`, 'manifestUrl');
      throw err;
    }
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw invalid('The manifest is not JSON', 'manifestUrl');
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw invalid('The manifest is not an object', 'manifestUrl');
    const str = (v: unknown) => (typeof v === 'string' && v.length <= 1024 ? v : undefined);
    const file = Array.isArray(raw.files) ? (raw.files[0] as Record<string, unknown> | undefined) : undefined;
    const size = file && typeof file.size === 'number' && Number.isSafeInteger(file.size) ? file.size : DEFAULT_SIZE;
    if (size <= 0) throw invalid('The manifest gives a file size that is not positive', 'manifestUrl');
    return {
      uuid: str(raw.uuid),
      name: str(raw.name),
      version: str(raw.version),
      os: str(raw.os)?.replace(/[^A-Za-z]/g, ''),
      description: str(raw.description),
      size,
      sha1: file ? str(file.sha1) : undefined,
    };
  }
}

function checkUrl(url: string, field: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(`${url.slice(0, 200)} is not a valid URL`, field);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || url.length > 2048)
    throw invalid('The URL must be http or https and at most 2048 characters', field);
}
