/** User profiles: the profile fields a user keeps beyond email and names (Danube's phone, company, address, ...). */
import type { Kysely } from 'kysely';

/** Adds users.profile, a JSON object of extra profile fields (null = none set). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('profile', 'text').execute();
}
