/** The shape of one CloudStack command: its parameters, whether it is async, and its handler. */
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';
import type { ParamSpec } from './params.js';

/** What a command handler may know about the HTTP request. */
export interface CsRequestInfo { method: string; apiKey: string }

/** A synchronous answer (the object inside `<command>response`) or an async job reference. */
export type CsAnswer =
  | { kind: 'sync'; body: Record<string, unknown> }
  | { kind: 'async'; jobId: string; id?: string };

/** One API command of the dialect. */
export interface CsCommand {
  name: string;
  description: string;
  isAsync: boolean;
  params: ParamSpec[];
  /** The top-level response key when not `<lower-case name>response`. */
  responseKey?: string;
  /** Name of the response item for listApis. */
  responseName?: string;
  /** Only admin accounts may call it; for anyone else it does not exist (CloudStack's 432), and listApis leaves it out. */
  adminOnly?: boolean;
  handle(core: Core, ctx: CallContext, p: Record<string, any>, req: CsRequestInfo): Promise<CsAnswer>;
}

/** A sync answer. */
export const sync = (body: Record<string, unknown>): CsAnswer => ({ kind: 'sync', body });

/** An async answer naming the job and the object it works on. */
export const job = (jobId: string, id?: string): CsAnswer => ({ kind: 'async', jobId, id });

/** A list answer: count and the items under their key (always present, even when empty). */
export const list = (key: string, count: number, items: unknown[]): CsAnswer => sync({ count, [key]: items });

/** Common paging/keyword parameters of list commands. */
export const LIST_PARAMS: ParamSpec[] = [
  { name: 'keyword', type: 'string', description: 'List by keyword' },
  { name: 'page', type: 'integer', description: 'Page number (1-based)' },
  { name: 'pagesize', type: 'integer', description: 'Items per page' },
];
