/** MigrationContext: what a migration may know about its database; its own module so migrations need not import the runner that imports them. */

/** What a migration may need to know about the database it runs on. */
export interface MigrationContext {
  dialect: 'sqlite' | 'postgres';
}
