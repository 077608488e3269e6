/** `nube admin tokens ...` (REST API tokens) and `nube admin account set-tier` (the REST API rate-limit tier). */
import type { Command } from 'commander';
import type { Role } from '../core/permissions.js';
import type { ApiTokenInfo, ApiTokenShown } from '../core/credentials/api-token.js';
import { withRuntime } from './with-runtime.js';

/** A token as the CLI prints it, in the REST API's snake_case. */
function tokenJson(t: ApiTokenShown) {
  return { token: t.token, id: t.id, name: t.name, permissions: t.permissions, expires_at: t.expiresAt };
}

/** A listed token as the CLI prints it. */
function infoJson(t: ApiTokenInfo) {
  return {
    id: t.id,
    name: t.name,
    permissions: t.permissions,
    last_used_at: t.lastUsedAt,
    expires_at: t.expiresAt,
    created_at: t.createdAt,
    revoked_at: t.revokedAt,
  };
}

/** Adds `admin tokens create|list|revoke`. */
export function addTokenCommands(admin: Command): void {
  const tokens = admin.command('tokens').description('REST API tokens (`<id>|<secret>`, Bearer auth)');
  tokens
    .command('create <account>')
    .description('create a token; it is printed once (default permissions: read access to the main resources)')
    .option('--scopes <list>', 'comma-separated permissions, e.g. vps:read,firewall:write')
    .option('--role <role>', 'editor (read and write everything) or admin (everything)')
    .option('--name <name>', 'a name to tell the token apart by')
    .option('--expires <date>', 'expiry date (ISO-8601), in the future')
    .option('--user <username>', 'the user the token belongs to (default: the account owner)')
    .action((acct: string, o: { scopes?: string; role?: string; name?: string; expires?: string; user?: string }) =>
      withRuntime(async (rt) => {
        const permissions = o.scopes
          ?.split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const { shown } = await rt.core.credentials.issueTo('api-token', acct, {
          username: o.user,
          name: o.name,
          permissions,
          role: o.role as Role | undefined,
          expiresAt: o.expires,
        });
        return tokenJson(shown);
      }),
    );
  tokens
    .command('list <account>')
    .description('list tokens (never their secrets)')
    .action((acct: string) =>
      withRuntime(async (rt) => (await rt.core.credentials.list('api-token', acct)).map(infoJson)),
    );
  tokens
    .command('revoke <token>')
    .description('revoke a token by id or full token text')
    .allowUnknownOption()
    .action((t: string) =>
      withRuntime(async (rt) => {
        await rt.core.credentials.issuers['api-token'].revoke(t);
        return { revoked: t.includes('|') ? Number(t.split('|')[0]) : Number(t) };
      }),
    );
}

/** Adds `set-tier` under `admin account`. */
export function addTierCommand(account: Command): void {
  account
    .command('set-tier <account> <tier>')
    .description('REST API rate-limit tier: free (60/min), starter (120/min) or pro (300/min)')
    .action((acct: string, tier: string) =>
      withRuntime(async (rt) => {
        const a = await rt.core.accounts.setTier(acct, tier);
        return { account: a.name, tier: a.tier };
      }),
    );
}
