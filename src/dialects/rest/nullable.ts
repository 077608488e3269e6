/**
 * A schema that also admits null, written as OpenAPI 3.0's `nullable: true` rather than an `anyOf` with `null`: the
 * response serializer then writes a null inline instead of running a validator per value (and compiling those
 * validators on a route's first answer), a request field that fails is reported once by its own rule, and the
 * document stays valid OpenAPI 3.0.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The given schema, admitting null as well. */
export function nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
}
