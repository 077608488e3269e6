/** Server groups (seed section 10) under /servergroups and the seed's /servergroupss; start/stop wait for every member. */
import type { SigmaCall, SigmaRouter } from '../router.js';
import type { ServerGroupView } from '../../../core/server-groups/service.js';
import { invalid } from '../../../lib/errors.js';
import { encodeList, encodeRecord, encodeRecords, type SigmaRecord } from '../../../lib/sigma-text.js';
import { required } from './drives.js';
import { start, stop } from './servers.js';

const paths = (rest: string) => [`/servergroups${rest}`, `/servergroupss${rest}`];

/** Registers the server group commands. */
export function serverGroupRoutes(r: SigmaRouter): void {
  r.route('body', paths('/create'), async (c) => {
    const rec = c.record();
    const { group } = await c.core.serverGroups.create(c.ctx, {
      name: required(rec, 'name'),
      description: rec.description,
    });
    return { text: encodeRecord(groupRecord(group)) };
  });
  r.route('read', paths('/list'), async (c) => ({
    text: encodeList((await c.core.serverGroups.list(c.ctx)).map((g) => g.id)),
  }));
  r.route('read', paths('/info'), async (c) => ({
    text: encodeRecords((await c.core.serverGroups.list(c.ctx)).map(groupRecord)),
  }));
  r.route('read', paths('/:id/info'), async (c) => ({
    text: encodeRecord(groupRecord(await c.core.serverGroups.get(c.ctx, c.params.id!))),
  }));
  r.route('body', paths('/:id/set'), async (c) => {
    const rec = c.record();
    if (rec.name === undefined && rec.description === undefined) throw invalid('This field is required.', 'name');
    const { group } = await c.core.serverGroups.update(c.ctx, c.params.id!, {
      name: rec.name,
      description: rec.description,
    });
    return { text: encodeRecord(groupRecord(group)) };
  });
  r.route('action', paths('/:id/destroy'), async (c) => {
    await c.core.serverGroups.delete(c.ctx, c.params.id!);
    return undefined;
  });
  r.route('body', paths('/:id/add'), async (c) => ({
    text: encodeList((await c.core.serverGroups.add(c.ctx, c.params.id!, serverKeys(c.record()))).group.members),
  }));
  r.route('body', paths('/:id/remove'), async (c) => ({
    text: encodeList((await c.core.serverGroups.remove(c.ctx, c.params.id!, serverKeys(c.record()))).group.members),
  }));
  r.route('action', paths('/:id/start'), async (c) => ({ text: encodeList(await each(c, (id) => start(c, id))) }));
  r.route('action', paths('/:id/stop'), async (c) => ({ text: encodeList(await each(c, (id) => stop(c, id, true))) }));
}

/** Runs an action on every member at once and waits for all; the first failure is the answer. */
async function each(c: SigmaCall, fn: (id: string) => Promise<void>): Promise<string[]> {
  const g = await c.core.serverGroups.get(c.ctx, c.params.id!);
  const results = await Promise.allSettled(g.members.map(fn));
  const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
  return g.members;
}

function serverKeys(rec: SigmaRecord): string[] {
  const ids = Object.entries(rec)
    .filter(([k]) => /^server:\d+$/.test(k))
    .map(([, v]) => v.trim())
    .filter(Boolean);
  if (!ids.length) throw invalid('Give the servers as server:0 UUID, server:1 UUID, ...', 'server:0');
  return ids;
}

function groupRecord(g: ServerGroupView): Record<string, string> {
  const rec: Record<string, string> = { uuid: g.id, name: g.name, description: g.description };
  g.members.forEach((id, i) => {
    rec[`server:${i}`] = id;
  });
  return rec;
}
