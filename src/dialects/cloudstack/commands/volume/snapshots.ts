/** createSnapshot, listSnapshots, deleteSnapshot and revertSnapshot: manual snapshots of volumes. */
import type { CsCommand } from '../../command.js';
import { LIST_PARAMS, job, list } from '../../command.js';
import { csSnapshot } from '../../views/volume.js';
import { tagFilter } from './list-volumes.js';

/** createSnapshot; the job result is the `snapshot`. */
export const createSnapshot: CsCommand = {
  name: 'createSnapshot', description: 'Creates an instant snapshot of a volume.', isAsync: true, responseName: 'snapshot',
  params: [
    { name: 'volumeid', type: 'uuid', required: true, description: 'The ID of the disk volume' },
    { name: 'name', type: 'string', max: 255, description: 'the name of the snapshot (default <vm>_<volume>_<timestamp>)' },
    { name: 'quiescevm', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    const { taskId, snapshotId } = await core.snapshots.create(ctx, p.volumeid, p.name);
    return job(taskId, snapshotId);
  },
};

/** listSnapshots; always answers the `snapshot` key, which libcloud requires. */
export const listSnapshots: CsCommand = {
  name: 'listSnapshots', description: 'Lists all available snapshots for the account.', isAsync: false, responseName: 'snapshot',
  params: [
    ...LIST_PARAMS,
    { name: 'id', type: 'uuid', description: 'lists snapshot by snapshot ID' },
    { name: 'name', type: 'string', description: 'lists snapshot by snapshot name' },
    { name: 'volumeid', type: 'uuid', description: 'the ID of the disk volume' },
    { name: 'zoneid', type: 'uuid', description: 'list snapshots by zone id' },
    { name: 'tags', type: 'map', description: 'list snapshots by tags (key/value pairs); multiple tags are OR-ed' },
    { name: 'intervaltype', type: 'string', description: 'ignored: every snapshot is MANUAL' },
    { name: 'snapshottype', type: 'string', description: 'ignored: every snapshot is MANUAL' },
    { name: 'projectid', type: 'uuid', description: 'ignored: Nube has no projects' },
    { name: 'listall', type: 'boolean', description: 'ignored' },
  ],
  async handle(core, ctx, p) {
    const page = await core.snapshots.list(ctx, {
      id: p.id, name: p.name, keyword: p.keyword, volumeId: p.volumeid, zoneId: p.zoneid, tags: tagFilter(p.tags),
      page: p.page, pageSize: p.pagesize,
    });
    return list('snapshot', page.count, page.items.map(csSnapshot));
  },
};

/** deleteSnapshot; the job result is `{success: true}`. */
export const deleteSnapshot: CsCommand = {
  name: 'deleteSnapshot', description: 'Deletes a snapshot.', isAsync: true, responseName: 'success',
  params: [{ name: 'id', type: 'uuid', required: true, description: 'The ID of the snapshot' }],
  async handle(core, ctx, p) { return job(await core.snapshots.delete(ctx, p.id), p.id); },
};

/** revertSnapshot; the volume's VM must be stopped; the job result is the `snapshot`. */
export const revertSnapshot: CsCommand = {
  name: 'revertSnapshot', description: 'Reverts a volume to a snapshot.', isAsync: true, responseName: 'snapshot',
  params: [{ name: 'id', type: 'uuid', required: true, description: 'The ID of the snapshot' }],
  async handle(core, ctx, p) { return job(await core.snapshots.revert(ctx, p.id), p.id); },
};
