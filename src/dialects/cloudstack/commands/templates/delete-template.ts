/** deleteTemplate: removes one of the caller's templates that no VM uses; async. */
import { command, job, param } from '../../command.js';

/** The command. */
export const deleteTemplate = command({
  name: 'deleteTemplate',
  description: 'Delete a template',
  isAsync: true,
  params: {
    id: param.uuid('the template ID').required(),
    zoneid: param.uuid('ignored: the template is deleted from its zone'),
    forced: param.boolean('ignored: a template in use is never deleted'),
  },
  async handle(core, ctx, p) {
    return job((await core.templates.delete(ctx, p.id)).taskId, p.id);
  },
});
