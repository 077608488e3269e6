/**
 * IamService: the account's IAM API keys. A key is a CloudStack key pair (its secret sealed like every key pair's and
 * shown only when it is created) that may be restricted to operations and resources; the restriction travels with the
 * key's principal into every CallContext, where the core's guard (core/permissions.ts) enforces it.
 */
import { randomBytes } from 'node:crypto';
import type { CallContext } from '../../lib/context.js';
import { CoreError, invalid, notFound } from '../../lib/errors.js';
import { nowIso, parseJson } from '../../lib/util.js';
import type { Q } from '../../store/db.js';
import type { CoreDeps } from '../deps.js';
import type { Credentials } from '../credentials/index.js';
import { recordSyncChange } from '../sync-change.js';
import { allowedOperations, checkOperations, checkResources, operationGranted } from './operations.js';

/** credentials.kind of the rows IAM keys are stored in: those of every CloudStack key pair. */
const ROW_KIND = 'cloudstack';

const OBJECT = 'API key';
const MAX_NAME = 255;

/** An IAM key as it is shown after its creation: never with its secret. */
export interface ApiKeyView {
  key: string;
  name: string;
  /** Restricted when created with operations or resources. */
  type: 'restricted' | 'unrestricted';
  operations?: string[];
  resources?: string[];
  created: string;
}

/** A key just created: the only time its secret is shown. */
export interface NewApiKey extends ApiKeyView {
  secret: string;
}

/** What a key is created with; no operations and no resources make an unrestricted key. */
export interface ApiKeyInput {
  name: string;
  operations?: readonly string[];
  resources?: readonly string[];
}

/** Creates, shows, lists and revokes IAM API keys, and lists the operations of the calling key. */
export class IamService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly credentials: Credentials,
  ) {}

  /**
   * Creates a key (`EXO` and 24 hex digits, with a new secret) for the caller's user; catalog is every operation the
   * key may name. A key created by a restricted key without operations inherits the creator's; a restricted key can
   * hand out no operation it does not hold itself.
   */
  async create(ctx: CallContext, input: ApiKeyInput, catalog: readonly string[]): Promise<NewApiKey> {
    const name = checkName(input.name);
    const resources = input.resources?.length ? checkResources(input.resources) : undefined;
    let operations = input.operations?.length ? checkOperations(input.operations, new Set(catalog)) : undefined;
    if (ctx.operations) {
      const held = ctx.operations;
      operations ??= [...held];
      const beyond = operations.filter((op) => !operationGranted(held, op));
      if (beyond.length)
        throw new CoreError(
          'Forbidden',
          'permission',
          `This API key cannot create a key allowed more than itself: ${beyond.join(', ')}`,
          { operations: beyond },
        );
    }
    const key = `EXO${randomBytes(12).toString('hex')}`;
    const secret = randomBytes(32).toString('base64url');
    const issued = await this.credentials.issuers['api-key-pair'].issue({
      name,
      given: { apiKey: key, apiSecret: secret },
    });
    const created = nowIso();
    await this.deps.store.tx(async (trx) => {
      const userId = ctx.userId ?? (await firstUser(trx, ctx.accountId));
      await issued.save(trx, { accountId: ctx.accountId, userId });
      await trx
        .insertInto('iam_api_keys')
        .values({
          credential_id: issued.shown.id,
          account_id: ctx.accountId,
          operations: operations ? JSON.stringify(operations) : null,
          resources: resources ? JSON.stringify(resources) : null,
          created_at: created,
        })
        .execute();
      await recordSyncChange(trx, { objectType: OBJECT, objectId: key, ctx, payload: { action: 'create', name } });
    });
    return { ...view({ key, name, operations, resources, created }), secret };
  }

  /** One of the account's live keys; another account's, a revoked or an unknown one is NotFound. */
  async get(ctx: CallContext, key: string): Promise<ApiKeyView> {
    const [found] = await this.rows(this.deps.store.db, ctx.accountId, key);
    if (!found) throw notFound(OBJECT, key, 'object');
    return found;
  }

  /** The account's live keys, oldest first. */
  async list(ctx: CallContext): Promise<ApiKeyView[]> {
    return this.rows(this.deps.store.db, ctx.accountId);
  }

  /** Revokes one of the account's live keys: the next request signed with it is refused. */
  async revoke(ctx: CallContext, key: string): Promise<void> {
    await this.deps.store.tx(async (trx) => {
      const r = await trx
        .updateTable('credentials')
        .set({ revoked_at: nowIso() })
        .where('kind', '=', ROW_KIND)
        .where('account_id', '=', ctx.accountId)
        .where('public_key', '=', key)
        .where('revoked_at', 'is', null)
        .where('id', 'in', (eb) => eb.selectFrom('iam_api_keys').select('credential_id'))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound(OBJECT, key, 'object');
      await recordSyncChange(trx, { objectType: OBJECT, objectId: key, ctx, payload: { action: 'revoke' } });
    });
  }

  /** The operations the calling key may perform (every service's wildcard and the whole catalog when it is unrestricted). */
  async operations(ctx: CallContext, catalog: readonly string[]): Promise<string[]> {
    return allowedOperations(ctx.operations, catalog);
  }

  /** The account's live IAM keys (only the one whose key is given, when given), oldest first. */
  private async rows(q: Q, accountId: string, key?: string): Promise<ApiKeyView[]> {
    let sel = q
      .selectFrom('iam_api_keys')
      .innerJoin('credentials', 'credentials.id', 'iam_api_keys.credential_id')
      .select([
        'credentials.public_key',
        'credentials.name',
        'iam_api_keys.operations',
        'iam_api_keys.resources',
        'iam_api_keys.created_at',
      ])
      .where('iam_api_keys.account_id', '=', accountId)
      .where('credentials.account_id', '=', accountId)
      .where('credentials.revoked_at', 'is', null);
    if (key !== undefined) sel = sel.where('credentials.public_key', '=', key);
    const rows = await sel.orderBy('iam_api_keys.created_at').orderBy('credentials.public_key').execute();
    return rows.map((r) =>
      view({
        key: r.public_key,
        name: r.name,
        operations: listColumn(r.operations),
        resources: listColumn(r.resources),
        created: r.created_at,
      }),
    );
  }
}

/** A key's name: 1 to 255 characters without control characters. */
function checkName(name: string): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (n === '') throw invalid('The key name must not be empty', 'name');
  if (n.length > MAX_NAME) throw invalid(`The key name must be at most ${MAX_NAME} characters`, 'name');
  if (/[\x00-\x1f\x7f]/.test(n)) throw invalid('The key name must not contain control characters', 'name');
  return n;
}

/** A JSON list column, or undefined when null. */
function listColumn(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  const v = parseJson<unknown>(text, []);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The view of a key from its parts; restricted when it has operations or resources. */
function view(k: {
  key: string;
  name: string;
  operations?: string[];
  resources?: string[];
  created: string;
}): ApiKeyView {
  const v: ApiKeyView = {
    key: k.key,
    name: k.name,
    type: k.operations || k.resources ? 'restricted' : 'unrestricted',
    created: k.created,
  };
  if (k.operations) v.operations = k.operations;
  if (k.resources) v.resources = k.resources;
  return v;
}

/** The account's first user, whom a key created by operator tooling (no user in the context) is issued to. */
async function firstUser(q: Q, accountId: string): Promise<string> {
  const u = await q
    .selectFrom('users')
    .select('id')
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .executeTakeFirst();
  if (!u) throw notFound('user', undefined, 'object');
  return u.id;
}
