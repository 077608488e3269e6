/** An IAM API key as Exoscale's `apikey` object. */
import type { ApiKeyView } from '../../../core/iam/service.js';

/** The key object: operations and resources only when the key has them, the secret only in createApiKey's answer. */
export function csApiKey(k: ApiKeyView, secret?: string): Record<string, unknown> {
  return {
    key: k.key,
    name: k.name,
    ...(k.operations ? { operations: k.operations } : {}),
    ...(k.resources ? { resources: k.resources } : {}),
    ...(secret !== undefined ? { secret } : {}),
    type: k.type,
  };
}
