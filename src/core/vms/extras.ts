/** The JSON object kept in vm_extras.attrs: free-form settings, whether the vCPU count is chosen automatically, and the console (VNC) password sealed under the master key. */
import { sql } from 'kysely';
import type { Store } from '../../store/db.js';
import type { MasterKey } from '../accounts/secrets.js';

/** Key of the sealed ("v1:" ciphertext) console password inside the JSON. */
export const VNC_SEALED_KEY = '@vncPassword';
/** Key under which older versions kept the console password in plain text (the setting name it arrives as). */
const VNC_PLAIN_KEY = 'vnc:password';
const SMP_AUTO_KEY = '@smpAuto';

/** A VM's settings as stored: the console password stays sealed until its owner reads it. */
export interface StoredExtras {
  cpuCountAuto: boolean;
  attrs: Record<string, string>;
  /** The console password as ciphertext, or (rows not sealed yet) as plain text. */
  vnc?: { sealed: string } | { plain: string };
}

/** Decodes the stored JSON (bad JSON reads as no settings). */
export function decodeExtras(text: string): StoredExtras {
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    raw = {};
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw))
    if (typeof v === 'string' && !k.startsWith('@') && k !== VNC_PLAIN_KEY) attrs[k] = v;
  const sealed = raw[VNC_SEALED_KEY];
  const plain = raw[VNC_PLAIN_KEY];
  const vnc = typeof sealed === 'string' ? { sealed } : typeof plain === 'string' ? { plain } : undefined;
  return { cpuCountAuto: raw[SMP_AUTO_KEY] === true, attrs, ...(vnc ? { vnc } : {}) };
}

/**
 * Encodes settings after changes (null removes a key) with a new console password (null removes it, undefined keeps
 * the old one). Every console password is written sealed, whichever key it arrives under.
 */
export function encodeExtras(
  old: StoredExtras,
  changes: Record<string, string | null> | undefined,
  cpuCountAuto: boolean,
  vncPassword: string | null | undefined,
  secrets: MasterKey,
): string {
  const attrs: Record<string, string> = { ...old.attrs };
  let vnc = vncPassword;
  for (const [k, v] of Object.entries(changes ?? {})) {
    if (k === VNC_PLAIN_KEY) {
      if (vnc === undefined) vnc = v;
    } else if (v === null) delete attrs[k];
    else attrs[k] = v;
  }
  const sealed =
    vnc === null ? undefined : vnc !== undefined ? secrets.encrypt(vnc) : old.vnc && sealedOf(old.vnc, secrets);
  return JSON.stringify({ ...attrs, [SMP_AUTO_KEY]: cpuCountAuto, ...(sealed ? { [VNC_SEALED_KEY]: sealed } : {}) });
}

/** The console password in plain text, for its owner (the API shows it as it was set). */
export function openVncPassword(x: StoredExtras, secrets: MasterKey): string | undefined {
  if (!x.vnc) return undefined;
  return 'sealed' in x.vnc ? secrets.decrypt(x.vnc.sealed) : x.vnc.plain;
}

function sealedOf(vnc: NonNullable<StoredExtras['vnc']>, secrets: MasterKey): string {
  return 'sealed' in vnc ? vnc.sealed : secrets.encrypt(vnc.plain);
}

/**
 * Seals console passwords older versions stored in plain text; returns how many rows changed. On SQLite the old bytes
 * are overwritten (secure_delete) and the WAL is checkpointed, so the plain text leaves the files too.
 */
export async function sealPlainVncPasswords(store: Store, secrets: MasterKey): Promise<number> {
  const rows = await store.db
    .selectFrom('vm_extras')
    .select(['vm_id', 'attrs'])
    .where('attrs', 'like', `%"${VNC_PLAIN_KEY}"%`)
    .execute();
  const plain = rows.map((r) => ({ ...r, x: decodeExtras(r.attrs) })).filter((r) => r.x.vnc && 'plain' in r.x.vnc);
  if (!plain.length) return 0;
  if (store.kind === 'sqlite') await sql`pragma secure_delete = on`.execute(store.db);
  try {
    await store.tx(async (trx) => {
      for (const r of plain) {
        // Only if unchanged meanwhile: a concurrent update rewrote the row sealed already.
        await trx
          .updateTable('vm_extras')
          .set({ attrs: encodeExtras(r.x, undefined, r.x.cpuCountAuto, undefined, secrets) })
          .where('vm_id', '=', r.vm_id)
          .where('attrs', '=', r.attrs)
          .execute();
      }
    });
  } finally {
    if (store.kind === 'sqlite') {
      await sql`pragma secure_delete = off`.execute(store.db);
      await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
    }
  }
  return plain.length;
}
