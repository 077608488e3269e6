/** What a Danube route handler is given: the core, the caller, the DC in force, path parameters and the request data. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { CallContext } from '../../lib/context.js';

/** The authenticated Danube user. */
export interface DanubeUser {
  /** The core user id. */
  id: string;
  /** Danube's integer user id (used in task ids). */
  number: number;
  username: string;
  accountId: string;
  /** The Nube admin account's users are SuperAdmin. */
  isSuperAdmin: boolean;
}

/** A virtual datacenter: `main` spans every zone; every other DC is one zone, named after it. */
export interface DanubeDc {
  name: string;
  number: number;
  /** The zone of this DC, or null for `main` (all zones). */
  zoneId: string | null;
}

/** One request as a handler sees it. */
export interface DanubeRequest {
  core: Core;
  ctx: CallContext;
  user: DanubeUser;
  dc: DanubeDc;
  params: Record<string, string>;
  /** The GET query or the JSON body, values as sent (strings, numbers, booleans, lists, objects). */
  data: Record<string, unknown>;
  /** How the caller authenticated: a login token, an ES-API-KEY, or not at all (open paths). */
  authVia: 'token' | 'api_key' | 'none';
  req: FastifyRequest;
  reply: FastifyReply;
}
