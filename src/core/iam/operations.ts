/**
 * IAM operations and resources of API keys: an operation is `<service>/<name>` (`compute/deployVirtualMachine`) or a
 * service's wildcard (`compute/*`); a resource is `sos/bucket:<bucket name>`. Checks what a key is created with against
 * the catalog of known operations, tells whether a key's operations grant one, and lists what a key may do.
 */
import { invalid } from '../../lib/errors.js';

/** The services IAM operations are named under. */
export const IAM_SERVICES = ['compute', 'dns', 'iam', 'sos'] as const;

/** A service IAM operations are named under. */
export type IamServiceName = (typeof IAM_SERVICES)[number];

/** The most operations or resources one key holds. */
const MAX_ENTRIES = 500;

/** An operation's shape: a service, a slash, a name of letters and digits (or the wildcard). */
const OPERATION = /^([a-z]+)\/([A-Za-z][A-Za-z0-9]{0,99}|\*)$/;

/** A bucket resource: `sos/bucket:` and an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens). */
const BUCKET_RESOURCE = /^sos\/bucket:([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;

/** The wildcard operation of a service (`compute/*`). */
function serviceWildcard(service: string): string {
  return `${service}/*`;
}

/** True when granted holds operation itself or the wildcard of its service. */
export function operationGranted(granted: ReadonlySet<string>, operation: string): boolean {
  if (granted.has(operation)) return true;
  const slash = operation.indexOf('/');
  return slash > 0 && granted.has(serviceWildcard(operation.slice(0, slash)));
}

/**
 * The requested operations, each a catalog operation or a known service's wildcard, without duplicates and in the order
 * given; Invalid (field operations) naming the unknown ones otherwise.
 */
export function checkOperations(requested: readonly string[], catalog: ReadonlySet<string>): string[] {
  const ops = [...new Set(requested)];
  if (ops.length === 0) throw invalid('operations must name at least one operation', 'operations');
  if (ops.length > MAX_ENTRIES) throw invalid(`A key holds at most ${MAX_ENTRIES} operations`, 'operations');
  const unknown = ops.filter((op) => {
    const m = OPERATION.exec(op);
    if (!m) return true;
    if (m[2] === '*') return !(IAM_SERVICES as readonly string[]).includes(m[1]!);
    return !catalog.has(op);
  });
  if (unknown.length) throw invalid(`Unknown operations: ${unknown.map(shown).join(', ')}`, 'operations');
  return ops;
}

/** The requested resources, each `sos/bucket:<bucket name>`, without duplicates; Invalid (field resources) otherwise. */
export function checkResources(requested: readonly string[]): string[] {
  const res = [...new Set(requested)];
  if (res.length > MAX_ENTRIES) throw invalid(`A key holds at most ${MAX_ENTRIES} resources`, 'resources');
  const bad = res.filter((r) => {
    const m = BUCKET_RESOURCE.exec(r);
    return !m || m[1]!.includes('..') || /^[0-9.]+$/.test(m[1]!);
  });
  if (bad.length)
    throw invalid(
      `Unknown resources: ${bad.map(shown).join(', ')} (only buckets are supported: sos/bucket:<bucket name>)`,
      'resources',
    );
  return res;
}

/**
 * The operations a key may perform, sorted: for a restricted key its own operations and, for each wildcard, every
 * catalog operation of that service; for an unrestricted key every service's wildcard and the whole catalog.
 */
export function allowedOperations(granted: ReadonlySet<string> | undefined, catalog: readonly string[]): string[] {
  const out = new Set<string>(granted ?? IAM_SERVICES.map(serviceWildcard));
  for (const op of catalog) if (!granted || operationGranted(granted, op)) out.add(op);
  return [...out].sort();
}

/** A requested value as an error message shows it: bounded, without control characters. */
function shown(v: string): string {
  const clean = v.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}...` : clean;
}
