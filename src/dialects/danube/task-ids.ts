/**
 * Danube task ids over Nube's task ids: `<user><type><owner><group><dc>-<8>-<4>-<4>-<4>`, the suffix being the first four
 * groups of the core task's UUID. Dummy ids (synchronous answers) replace the first group by md5(user)[-8:].
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DanubeDc, DanubeUser } from './request.js';

/** The dummy marker of a user: the last 8 hex digits of md5 of the user's number. */
export function dummyMarker(userNumber: number): string {
  return createHash('md5').update(String(userNumber)).digest('hex').slice(-8);
}

/** The Danube id of a real (executed) core task started by user in dc. */
export function danubeTaskId(
  user: Pick<DanubeUser, 'number'>,
  dc: Pick<DanubeDc, 'number'>,
  coreTaskId: string,
): string {
  const suffix = coreTaskId.split('-').slice(0, 4).join('-');
  return `${user.number}e${user.number}d${dc.number}-${suffix}`;
}

/** A dummy id for a synchronous answer, pointing at the core record of the change when there is one. */
export function dummyTaskId(
  user: Pick<DanubeUser, 'number'>,
  dc: Pick<DanubeDc, 'number'>,
  coreTaskId?: string,
): string {
  const groups = (coreTaskId ?? randomUUID()).split('-');
  return `${user.number}d${user.number}d${dc.number}-${dummyMarker(user.number)}-${groups[1]}-${groups[2]}-${groups[3]}`;
}

/** A parsed task id: its user number, type letter, owner, DC number and the core UUID prefix it stands for. */
export interface ParsedTaskId {
  userNumber: number;
  type: string;
  ownerNumber: number;
  dcNumber: number;
  corePrefix: string;
  dummy: boolean;
}

const TASK_ID = /^(\d+)([a-z])(\d+)([du])(\d+)-([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})$/;

/** Parses a Danube task id; undefined for anything that is not one (Danube answers those 403). */
export function parseTaskId(id: string): ParsedTaskId | undefined {
  const m = TASK_ID.exec(id);
  if (!m) return undefined;
  const userNumber = Number(m[1]);
  return {
    userNumber,
    type: m[2]!,
    ownerNumber: Number(m[3]),
    dcNumber: Number(m[5]),
    corePrefix: `${m[6]}-${m[7]}-${m[8]}-${m[9]}`,
    dummy: m[2] === 'd' || m[6] === dummyMarker(userNumber),
  };
}
