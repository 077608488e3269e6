/**
 * Fastify's own schema compilers (ajv for validation, fast-json-stringify for answers), each route's compiled on its
 * first request or, once the server is up, while its event loop is idle, instead of at start: `nube serve` registers
 * hundreds of routes, and compiling them all was a sixth of its start time. Compiling on a first request held the loop
 * for that compile (REST's VPS list: ~80-130 ms, every request arriving meanwhile waiting with it), so `serve` also
 * compiles the rest in the background. The compiled functions are Fastify's defaults: validation and answers are unchanged.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { TimeSlice } from '../lib/time-slice.js';

/** What Fastify calls a route's validator with, and what it reads back (ajv keeps its errors on the function). */
interface Validator {
  (data: unknown, ctx?: unknown): unknown;
  errors?: unknown;
  schemaEnv?: unknown;
}

type Compile<F> = (route: { schema: unknown; method: string; url: string; httpPart?: string }) => F;
type Build<F> = (externalSchemas: unknown, options: unknown) => Compile<F>;

/** Compiles of routes not compiled yet, each removing itself once done (by its first request or by warming). */
type Pending = Set<() => void>;

/** A compile run at most once, listed in pending until then. */
function once<F>(pending: Pending, compile: () => F): () => F {
  let fn: F | undefined;
  const get = () => {
    if (fn === undefined) {
      fn = compile();
      pending.delete(get);
    }
    return fn;
  };
  pending.add(get);
  return get;
}

/** A validator builder whose validators compile on first use, passing Fastify's ajv context and errors through. */
function lazyValidators(pending: Pending, build: Build<Validator>): Build<Validator> {
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let fn: Validator | undefined;
      const compiled = once(pending, () => compile(route));
      const validate: Validator = (data, ctx) => {
        fn ??= compiled();
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
function lazySerializers(pending: Pending, build: Build<(data: unknown) => string>): Build<(data: unknown) => string> {
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let fn: ((data: unknown) => string) | undefined;
      const compiled = once(pending, () => compile(route));
      return (data) => (fn ??= compiled())(data);
    };
  };
}

/**
 * How often warming looks for an idle loop, how late its timer may come for the loop to count as idle, and how long it
 * then compiles (whole compiles: one may take longer).
 */
const WARM_EVERY_MS = 5;
const IDLE_LATE_MS = 2;
const WARM_SLICE_MS = 2;

/** One app's lazy compilers: the schemaController option that installs them, and their background warming. */
export class LazyCompilers {
  private readonly pending: Pending = new Set();
  private timer: NodeJS.Timeout | undefined;

  /** The schemaController option for Fastify. */
  controller() {
    return {
      compilersFactory: {
        buildValidator: lazyValidators(this.pending, AjvCompiler() as unknown as Build<Validator>),
        buildSerializer: lazySerializers(
          this.pending,
          SerializerSelector() as unknown as Build<(data: unknown) => string>,
        ),
      },
    };
  }

  /**
   * Compiles the routes no request has compiled yet, a few milliseconds at a time when the loop is idle (a timer coming
   * on time): under load it waits, and a route's first request compiles it as before.
   */
  warm(): void {
    if (this.timer) return;
    const next = () => {
      if (this.pending.size === 0) return this.stop();
      const due = performance.now() + WARM_EVERY_MS;
      this.timer = setTimeout(() => {
        if (performance.now() - due < IDLE_LATE_MS)
          for (const slice = new TimeSlice(WARM_SLICE_MS); !slice.spent && this.pending.size > 0;)
            this.pending.values().next().value!();
        next();
      }, WARM_EVERY_MS).unref();
    };
    next();
  }

  /** Ends warming (the app closes). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
