/** Shared route pieces: the numeric id path schema and the {"response": ...} envelope. */
import { Type, type Static } from '@sinclair/typebox';

/** Path parameters of calls on one object: a decimal id (anything else is answered 404). */
export const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });

/** The decoded path parameters. */
export type IdParamsT = Static<typeof IdParams>;

/** The success envelope. */
export const ok = (response: unknown): { response: unknown } => ({ response });
