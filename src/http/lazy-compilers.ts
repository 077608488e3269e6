/**
 * Fastify's own schema compilers (ajv for validation, fast-json-stringify for answers), each route's compiled on its
 * first request instead of at start: `nube serve` registers hundreds of routes, and compiling them all was a sixth of
 * its start time. The compiled functions are Fastify's defaults, so validation and answers are unchanged.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

/** What Fastify calls a route's validator with, and what it reads back (ajv keeps its errors on the function). */
interface Validator {
  (data: unknown, ctx?: unknown): unknown;
  errors?: unknown;
  schemaEnv?: unknown;
}

type Compile<F> = (route: { schema: unknown; method: string; url: string; httpPart?: string }) => F;
type Build<F> = (externalSchemas: unknown, options: unknown) => Compile<F>;

/** A validator builder whose validators compile on first use, passing Fastify's ajv context and errors through. */
function lazyValidators(build: Build<Validator>): Build<Validator> {
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let fn: Validator | undefined;
      const validate: Validator = (data, ctx) => {
        fn ??= compile(route);
        return fn(data, ctx);
      };
      Object.defineProperty(validate, 'errors', { get: () => fn?.errors });
      // Fastify hands ajv validators the request as parent data (so coercion can replace the root value); say this is one.
      validate.schemaEnv = true;
      return validate;
    };
  };
}

/** A serializer builder whose serializers compile on first use. */
function lazySerializers(build: Build<(data: unknown) => string>): Build<(data: unknown) => string> {
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let fn: ((data: unknown) => string) | undefined;
      return (data) => (fn ??= compile(route))(data);
    };
  };
}

/** The schemaController option that installs both. */
export function lazySchemaController() {
  return {
    compilersFactory: {
      buildValidator: lazyValidators(AjvCompiler() as unknown as Build<Validator>),
      buildSerializer: lazySerializers(SerializerSelector() as unknown as Build<(data: unknown) => string>),
    },
  };
}
