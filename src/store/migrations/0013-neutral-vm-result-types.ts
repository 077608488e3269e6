/** Stored task results of VMs, volumes and NICs name their type in Nube's words: nicsecondaryip → secondaryIp. */
import { sql, type Kysely } from 'kysely';

/** Old result type → its neutral name; results are JSON text that starts with the type (`{"type":"...`). */
const RENAMES: ReadonlyArray<[string, string]> = [['nicsecondaryip', 'secondaryIp']];

/** Rewrites the type of every stored result that has an old one. */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [from, to] of RENAMES) {
    const old = `{"type":"${from}"`;
    const neutral = `{"type":"${to}"`;
    await sql`update tasks set result = cast(${neutral} as text) || substr(result, ${old.length + 1}) where substr(result, 1, ${old.length}) = cast(${old} as text)`.execute(
      db,
    );
  }
}
