/** Checks shared by the volume storages: ids that stay inside the storage directory, ranges inside the volume. */
import { invalid } from '../../lib/errors.js';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Refuses ids that could escape the storage directory. */
export function checkId(id: string): string {
  if (!SAFE_ID.test(id)) throw invalid(`Invalid storage id ${JSON.stringify(id).slice(0, 60)}`, 'id');
  return id;
}

/** Refuses negative or fractional offsets and lengths, and access past size. */
export function checkRange(offset: number, length: number, size: number | undefined): void {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw invalid('The offset must be a non-negative whole number', 'offset');
  if (!Number.isSafeInteger(length) || length < 0)
    throw invalid('The length must be a non-negative whole number', 'length');
  if (size !== undefined && offset + length > size) {
    throw invalid(
      `Access of ${length} bytes at offset ${offset} goes past the end of the volume (${size} bytes)`,
      'offset',
    );
  }
}
