/** Drives (seed section 7): create, info, all info, list, set, clone, destroy and the standard (catalog) drives. */
import type { SigmaCall, SigmaRouter } from '../router.js';
import type { VolumeAttrs } from '../../../core/volumes/data-io.js';
import { invalid } from '../../../lib/errors.js';
import { encodeList, encodeRecord, encodeRecords, parseBytes, type SigmaRecord } from '../../../lib/sigma-text.js';
import { driveRecord, isCd, standardRecord } from '../views.js';

const ALL_READERS = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Registers the drive commands. */
export function driveRoutes(r: SigmaRouter): void {
  r.route('read', ['/drives/list'], async (c) => ({
    text: encodeList((await c.core.volumes.listDetailed(c.ctx)).map((d) => d.volume.id)),
  }));
  r.route('read', ['/drives/info'], async (c) => ({
    text: encodeRecords((await c.core.volumes.listDetailed(c.ctx)).map(driveRecord)),
  }));
  r.route('read', ['/drives/:id/info'], async (c) => ({
    text: encodeRecord(driveRecord(await c.core.volumes.getDetailed(c.ctx, c.params.id!))),
  }));
  r.route('body', ['/drives/create'], async (c) => {
    const rec = c.record();
    const name = required(rec, 'name');
    const size = bytes(required(rec, 'size'), 'size');
    return {
      text: encodeRecord(
        driveRecord((await c.core.volumes.create(c.ctx, { name, sizeBytes: size, ...attrs(rec) })).detailed),
      ),
    };
  });
  r.route('body', ['/drives/:id/set'], async (c) => {
    const rec = c.record();
    if (rec.size !== undefined)
      throw invalid('The size of a drive cannot be changed with set; clone it to a larger drive', 'size');
    return {
      text: encodeRecord(
        driveRecord((await c.core.volumes.set(c.ctx, c.params.id!, { name: rec.name, ...attrs(rec) })).detailed),
      ),
    };
  });
  r.route('body', ['/drives/:id/clone'], async (c) => {
    const rec = c.record();
    const name = required(rec, 'name');
    const size = rec.size !== undefined && rec.size !== '' ? bytes(rec.size, 'size') : undefined;
    return {
      text: encodeRecord(
        driveRecord(
          (await c.core.volumes.clone(c.ctx, c.params.id!, { name, sizeBytes: size, ...attrs(rec) })).detailed,
        ),
      ),
    };
  });
  r.route('action', ['/drives/:id/destroy'], async (c) => {
    const d = await c.core.volumes.getDetailed(c.ctx, c.params.id!);
    if (d.volume.vm_id)
      throw invalid(
        `Drive ${d.volume.name} is mounted on server ${d.volume.vm_id}; remove it from the server first`,
        'drive',
      );
    await c.core.volumes.delete(c.ctx, d.volume.id);
    return undefined;
  });
  const standard = (which: 'all' | 'cd' | 'img') => async (c: SigmaCall) =>
    (await c.core.catalog.visibleTemplates(c.ctx, 'executable')).filter(
      (t) => t.public === 1 && (which === 'all' || (which === 'cd') === isCd(t)),
    );
  for (const [seg, which] of [
    ['', 'all'],
    ['/cd', 'cd'],
    ['/img', 'img'],
  ] as const) {
    r.route('read', [`/drives/standard${seg}/list`], async (c) => ({
      text: encodeList((await standard(which)(c)).map((t) => t.id)),
    }));
    r.route('read', [`/drives/standard${seg}/info`], async (c) => ({
      text: encodeRecords((await standard(which)(c)).map(standardRecord)),
    }));
  }
}

/** A required, non-empty key, or 400 naming it. */
export function required(rec: SigmaRecord, key: string): string {
  const v = rec[key];
  if (v === undefined || v.trim() === '') throw invalid('* This field is required.', key);
  return v;
}

/** Bytes with an optional k/M/G/T suffix, or 400 naming the key. */
export function bytes(text: string, key: string): number {
  const n = parseBytes(text);
  if (n === undefined)
    throw invalid(
      `Expected a number of bytes, optionally with a k/M/G/T suffix, got ${JSON.stringify(text.slice(0, 40))}`,
      key,
    );
  return n;
}

function attrs(rec: SigmaRecord): VolumeAttrs {
  const out: VolumeAttrs = {};
  const claim = rec['claim:type'];
  if (claim !== undefined) {
    if (claim !== 'exclusive' && claim !== 'shared') throw invalid("Expected 'exclusive' or 'shared'", 'claim:type');
    out.claimType = claim;
  }
  if (rec.readers !== undefined) {
    const list = rec.readers.split(/\s+/).filter((x) => x !== '');
    for (const u of list)
      if (!UUID.test(u))
        throw invalid(`Expected user uuids or ${ALL_READERS}, got ${JSON.stringify(u.slice(0, 40))}`, 'readers');
    out.readers = list.map((u) => u.toLowerCase());
  }
  const cipher = rec['encryption:cipher'];
  if (cipher !== undefined) {
    if (cipher !== 'none' && cipher !== 'aes-xts-plain')
      throw invalid("Expected 'none' or 'aes-xts-plain'", 'encryption:cipher');
    out.encryption = cipher;
  }
  if (rec.tags !== undefined) {
    const tags = rec.tags.split(/\s+/).filter((x) => x !== '');
    for (const t of tags)
      if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(t)) throw invalid(`Invalid tag ${JSON.stringify(t.slice(0, 40))}`, 'tags');
    out.affinity = tags;
  }
  return out;
}
