/** The credentials JSON (credentials.json and `nube admin account create` output): one object per dialect. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Config } from '../config.js';
import type { CreatedAccount } from '../core/accounts/service.js';

/** Where each dialect's URL lives in the JSON, and its path under the public URL. */
const URL_FIELDS: ReadonlyArray<{ dialect: string; field: string; path: string }> = [
  { dialect: 'cloudstack', field: 'endpoint', path: '/compute' },
  { dialect: 'cvm', field: 'url', path: '/api/client' },
  { dialect: 'cloudsigma', field: 'url', path: '' },
  { dialect: 'danube', field: 'url', path: '/api' },
  { dialect: 'rest', field: 'url', path: '/api/v1' },
];

function urlOf(cfg: Config, dialect: string): string {
  return `${cfg.publicUrl}${URL_FIELDS.find((u) => u.dialect === dialect)!.path}`;
}

/** credentials.json for an account, as DESIGN.md documents it. */
export function credentialsJson(cfg: Config, a: CreatedAccount): Record<string, unknown> {
  const {
    password: { password },
    'api-key-pair': keyPair,
    'token-pair': pair,
    'user-api-key': danubeKeys,
    'api-token': restToken,
  } = a.credentials;
  return {
    account: a.account.name,
    email: a.user.email,
    password,
    cloudstack: { endpoint: urlOf(cfg, 'cloudstack'), key: keyPair.key, secret: keyPair.secret },
    cvm: { url: urlOf(cfg, 'cvm'), public: pair.public, private: pair.private },
    cloudsigma: { url: urlOf(cfg, 'cloudsigma'), user: a.user.email, password },
    danube: { url: urlOf(cfg, 'danube'), username: a.user.username, password, api_key: danubeKeys.apiKey },
    rest: { url: urlOf(cfg, 'rest'), token: restToken.token },
  };
}

/** Writes the file with mode 0600 in one step (a temporary file renamed over it), so no reader sees half of it. */
export function writeCredentialsFile(file: string, json: Record<string, unknown>): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(json, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/** What syncCredentialsFile found: the file is missing, unreadable, already current, or had its URLs rewritten. */
export type CredentialsFileState = 'missing' | 'unreadable' | 'current' | 'updated';

/** Points the URL fields of an existing credentials file at the current public URL; secrets stay as they are. */
export function syncCredentialsFile(file: string, cfg: Config): CredentialsFileState {
  if (!existsSync(file)) return 'missing';
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (!json || typeof json !== 'object' || Array.isArray(json)) return 'unreadable';
  } catch {
    return 'unreadable';
  }
  let changed = false;
  for (const { dialect, field } of URL_FIELDS) {
    const section = json[dialect];
    if (!section || typeof section !== 'object') continue;
    const s = section as Record<string, unknown>;
    if (s[field] !== urlOf(cfg, dialect)) {
      s[field] = urlOf(cfg, dialect);
      changed = true;
    }
  }
  if (!changed) return 'current';
  writeCredentialsFile(file, json);
  return 'updated';
}

/** The account named by a readable credentials file that has no `rest` section (written before the REST dialect existed), or undefined. */
export function accountLackingRest(file: string): string | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return !json.rest && typeof json.account === 'string' ? json.account : undefined;
  } catch {
    return undefined;
  }
}

/** Adds the `rest` section with a newly issued token to an existing credentials file. */
export function addRestSection(file: string, cfg: Config, token: string): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  json.rest = { url: urlOf(cfg, 'rest'), token };
  writeCredentialsFile(file, json);
}
