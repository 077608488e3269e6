/** The shape of one CloudStack command and `command()`, which declares one from a parameter table that types its handler. */
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import type { ParamSpec } from './params.js';
import type { IamServiceName } from '../../core/iam/operations.js';

/** What a command handler may know about the HTTP request. */
export interface CsRequestInfo {
  method: string;
  apiKey: string;
  /** The command table the request was routed by (listApis describes it; handing it in avoids an import circle). */
  commands: readonly CsCommand[];
}

/** A synchronous answer (the object inside `<command>response`) or an async job reference. */
export type CsAnswer = { kind: 'sync'; body: Record<string, unknown> } | { kind: 'async'; jobId: string; id?: string };

/** One API command of the dialect, as the plugin, listApis and the docs see it (parameters as a list of specs). */
export interface CsCommand {
  name: string;
  description: string;
  isAsync: boolean;
  params: ParamSpec[];
  /** The top-level response key when not `<lower-case name>response`. */
  responseKey?: string;
  /** Name of the response item for listApis. */
  responseName?: string;
  /**
   * The IAM service the command belongs to: its operation is `<service>/<name>`, what an API key must be granted to call
   * it; unset, the service follows from the name (iam-operations.ts: `*DnsDomain*` commands are dns, others compute).
   */
  service?: IamServiceName;
  /** Only admin accounts may call it; for anyone else it does not exist (CloudStack's 432), and listApis leaves it out. */
  adminOnly?: boolean;
  /** Its answer depends only on the caller's account, its parameters and data the data version covers (VM lists), so the rendered answer may be cached. */
  cacheable?: boolean;
  /** Runs the command on parameters that decodeParams decoded from `params`. */
  handle(core: Core, ctx: CallContext, p: Record<string, unknown>, req: CsRequestInfo): Promise<CsAnswer>;
}

type ParamType = ParamSpec['type'];

/** What decodeParams turns each wire type into; a map is a list of entries with the item fields `F`. */
interface Decoded<F extends string> {
  string: string;
  uuid: string;
  integer: number;
  long: number;
  short: number;
  boolean: boolean;
  list: string[];
  uuidlist: string[];
  date: Date;
  map: Array<Partial<Record<F, string>>>;
}

/** One entry of a parameter table (its key is the wire name): type, required flag, description and length limit. */
class Param<T extends ParamType, R extends boolean = false, F extends string = string> {
  /** Carries a map's item field names for the handler's type; never set. */
  declare readonly fields?: F;

  constructor(
    readonly type: T,
    readonly description: string,
    readonly isRequired: R,
    readonly max?: number,
  ) {}

  /** The same parameter, required: a request without it is refused (431) before the handler runs. */
  required(): Param<T, true, F> {
    return new Param(this.type, this.description, true, this.max);
  }

  /** The same parameter with a maximum length other than 4096 (for lists and maps, of each item). */
  maxLength(max: number): Param<T, R, F> {
    return new Param(this.type, this.description, this.isRequired, max);
  }

  /** The spec decodeParams, listApis and the docs read. */
  spec(name: string): ParamSpec {
    return {
      name,
      type: this.type,
      description: this.description,
      ...(this.isRequired ? { required: true } : {}),
      ...(this.max !== undefined ? { max: this.max } : {}),
    };
  }
}

/** Builders of table entries, one per wire type; `param.map<'key' | 'value'>(...)` names the fields of a map's items. */
export const param = {
  string: (description: string) => new Param('string', description, false),
  uuid: (description: string) => new Param('uuid', description, false),
  integer: (description: string) => new Param('integer', description, false),
  long: (description: string) => new Param('long', description, false),
  short: (description: string) => new Param('short', description, false),
  boolean: (description: string) => new Param('boolean', description, false),
  list: (description: string) => new Param('list', description, false),
  uuidlist: (description: string) => new Param('uuidlist', description, false),
  date: (description: string) => new Param('date', description, false),
  map: <F extends string = string>(description: string) => new Param<'map', false, F>('map', description, false),
};

/** A command's parameters: wire name (lower case) → declaration, in the order listApis shows them. */
type ParamTable = Record<string, Param<ParamType, boolean, string>>;

type ValueOf<P> = P extends Param<infer T, boolean, infer F> ? Decoded<F>[T] : never;

/** The decoded parameters a handler receives for a table: required ones always present, the others possibly undefined. */
export type ParamsOf<P extends ParamTable> = {
  readonly [K in keyof P]: P[K] extends Param<ParamType, true, string> ? ValueOf<P[K]> : ValueOf<P[K]> | undefined;
};

/** Keys that are not lower case, which decodeParams would never fill: they make the table fail to compile. */
type UpperCaseKeys<P> = {
  [K in keyof P as K extends Lowercase<K & string> ? never : K]: 'parameter names are lower case';
};

/** A command as it is declared: its parameter table instead of specs, and a handler typed by that table. */
interface CommandDef<P extends ParamTable> extends Omit<CsCommand, 'params' | 'handle'> {
  params: P & UpperCaseKeys<P>;
  handle(core: Core, ctx: CallContext, p: ParamsOf<P>, req: CsRequestInfo): Promise<CsAnswer>;
}

/** Declares a command: the table becomes the specs decodeParams checks, so the handler may rely on the types it infers from it. */
export function command<P extends ParamTable>(def: CommandDef<P>): CsCommand {
  const { params, handle, ...rest } = def;
  return {
    ...rest,
    params: Object.entries(params).map(([name, p]) => p.spec(name)),
    handle: (core, ctx, decoded, req) => handle(core, ctx, decoded as ParamsOf<P>, req),
  };
}

/** A sync answer. */
export const sync = (body: Record<string, unknown>): CsAnswer => ({ kind: 'sync', body });

/** An async answer naming the job and the object it works on. */
export const job = (jobId: string, id?: string): CsAnswer => ({ kind: 'async', jobId, id });

/** A list answer: count and the items under their key (always present, even when empty). */
export const list = (key: string, count: number, items: unknown[]): CsAnswer => sync({ count, [key]: items });

/** Common paging/keyword parameters of list commands. */
export const LIST_PARAMS = {
  keyword: param.string('List by keyword'),
  page: param.integer('Page number (1-based)'),
  pagesize: param.integer('Items per page'),
};

/** The owner parameters many commands accept and ignore: every object belongs to the caller's account. */
export const IGNORED_OWNER = {
  account: param.string('ignored'),
  domainid: param.uuid('ignored'),
  projectid: param.uuid('ignored: Nube has no projects'),
};
