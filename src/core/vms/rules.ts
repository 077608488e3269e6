/** Semantic validation of VM inputs: names, user data, disk sizes. */
import { invalid } from '../../lib/errors.js';

/** Largest user data accepted after base64 (CloudStack's POST limit; the GET limit is the dialect's). */
const USERDATA_MAX_BASE64 = 32768;

const HOSTNAME = /^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/** Checks a VM host name the way CloudStack does (RFC 1123 label, not starting with a digit). */
export function checkHostname(name: string): void {
  if (!HOSTNAME.test(name)) {
    throw invalid(
      `Invalid name "${name.slice(0, 80)}". Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', ` +
        `and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with "-" and can't start with digit`,
      'name',
    );
  }
}

/** Checks base64 user data: size limit and valid encoding; returns it unchanged. */
export function checkUserdata(b64: string, maxBase64 = USERDATA_MAX_BASE64): string {
  if (b64.length > maxBase64)
    throw invalid(`User data is too long: ${b64.length} base64 characters, at most ${maxBase64} allowed`, 'userData');
  const compact = b64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1)
    throw invalid('User data must be base64 encoded', 'userData');
  return compact;
}

/** Root disk size in bytes from a size in GB, at least the template's size and at most 1600 GB. */
export function rootDiskBytes(gb: number | undefined, templateBytes: number): number {
  const GIB = 1024 ** 3;
  if (gb === undefined) return templateBytes;
  if (!Number.isInteger(gb) || gb <= 0 || gb > 1600)
    throw invalid('rootdisksize must be between 1 and 1600 GB', 'rootDiskSizeGb');
  if (gb * GIB < templateBytes)
    throw invalid(
      `rootdisksize must be at least the template size (${Math.ceil(templateBytes / GIB)} GB)`,
      'rootDiskSizeGb',
    );
  return gb * GIB;
}

/** Checks a display name. */
export function checkDisplayName(s: string): void {
  if (s.length > 255) throw invalid('displayname must be at most 255 characters', 'displayName');
}
