/** resizeVolume: grows a volume to a size in GB or to another disk offering's size. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/** The command; shrinking is refused. */
export const resizeVolume: CsCommand = {
  name: 'resizeVolume', description: 'Resizes a volume.', isAsync: true, responseName: 'volume',
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'the ID of the disk volume' },
    { name: 'size', type: 'long', description: 'new volume size in GB' },
    { name: 'diskofferingid', type: 'uuid', description: 'new disk offering id' },
    { name: 'shrinkok', type: 'boolean', description: 'ignored: volumes only grow' },
  ],
  async handle(core, ctx, p) {
    return job(await core.volumes.resize(ctx, p.id, { sizeGb: p.size, diskOfferingId: p.diskofferingid }), p.id);
  },
};
