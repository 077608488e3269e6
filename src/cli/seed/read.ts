/** Reads and checks a seed (a YAML or JSON file, or an object given to startNube); every error names the source, the entry and the field. */
import { existsSync, readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../config.js';
import { SEED_SCHEMA, type SeedDoc } from './schema.js';

/** A seed: the path of a file, or a document given in code. */
export type SeedSource = string | SeedDoc;

/** A checked seed and how errors name it ("seed file /x/seed.yaml" or "seed object"). */
export interface ReadSeed {
  doc: SeedDoc;
  label: string;
}

/** An error about a seed, one line: the source, the entry (with its name when it has one) and the field. */
export function seedError(label: string, doc: unknown, path: string, message: string): ConfigError {
  return new ConfigError(`${label}: ${entryName(doc, path)}: ${message}`);
}

/** A JSON pointer (/accounts/0/cloudstack/key) as `accounts[0] (alice).cloudstack.key`. */
function entryName(doc: unknown, pointer: string): string {
  let out = '';
  let node: unknown = doc;
  for (const part of pointer.split('/').filter(Boolean)) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    if (/^\d+$/.test(part)) {
      const n = node && typeof node === 'object' ? (node as { name?: unknown }).name : undefined;
      out += `[${part}]${typeof n === 'string' ? ` (${n})` : ''}`;
    } else out += out ? `.${part}` : part;
  }
  return out || '(top level)';
}

/** Parses and checks a seed; a ConfigError names what is wrong. */
export function readSeed(source: SeedSource): ReadSeed {
  const label = typeof source === 'string' ? `seed file ${source}` : 'seed object';
  let doc: unknown = source;
  if (typeof source === 'string') {
    if (!existsSync(source)) throw new ConfigError(`NUBE_SEED_FILE: ${label} not found`);
    const text = readFileSync(source, 'utf8');
    try {
      doc = /\.json$/i.test(source) ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new ConfigError(`${label} is not valid ${/\.json$/i.test(source) ? 'JSON' : 'YAML'}: ${firstLine(err)}`);
    }
  }
  doc ??= {};
  const first = Value.Errors(SEED_SCHEMA, doc).First();
  if (first) {
    const expected = (first.schema as { expected?: string }).expected;
    const message = expected ? `must be ${expected}` : first.message.replace(/^Expected/, 'expected');
    throw seedError(label, doc, first.path, message);
  }
  return { doc: doc as SeedDoc, label };
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err).split('\n')[0]!;
}
