/** Where client commands (`nube cloudsigma`, `nube cloudstack sign`) find their credentials: options, then the environment, then credentials.json. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT } from './exit.js';

/** One dialect's block of ./.nube/credentials.json (the file `nube serve` writes), or an empty object without one. */
function fileSection(dialect: string): Record<string, unknown> {
  const path = join(process.cwd(), '.nube', 'credentials.json');
  if (!existsSync(path)) return {};
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const section = json[dialect];
    return section && typeof section === 'object' ? (section as Record<string, unknown>) : {};
  } catch {
    throw new CliError(`${path} is not valid JSON`, EXIT.usage);
  }
}

/** A setting source: the option's value, the environment variable and the credentials.json field. */
export interface Source {
  option: string | undefined;
  env: string;
  field: string;
}

/** Resolves each setting (option, then environment, then credentials.json); a usage error names what is missing. */
export function resolveCredentials<K extends string>(
  dialect: string,
  sources: Record<K, Source>,
  hint: string,
): Record<K, string> {
  const file = fileSection(dialect);
  const out = {} as Record<K, string>;
  const missing: string[] = [];
  for (const [key, s] of Object.entries(sources) as Array<[K, Source]>) {
    const v = s.option ?? process.env[s.env] ?? file[s.field];
    if (typeof v === 'string') out[key] = v;
    else missing.push(s.env);
  }
  if (missing.length)
    throw new CliError(`No ${dialect} credentials (${missing.join(', ')} unset): give ${hint}`, EXIT.usage);
  return out;
}
