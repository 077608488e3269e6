/** registerCustomTemplate, deleteTemplate: the caller's own templates. */
import type { CsCommand } from '../../command.js';
import { job } from '../../command.js';

/** details[i].name=value entries merged into one object; a later entry wins. */
function details(v: Array<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (!v) return undefined;
  const out: Record<string, string> = {};
  for (const e of v) Object.assign(out, e);
  return out;
}

/** registerCustomTemplate. */
export const registerCustomTemplate: CsCommand = {
  name: 'registerCustomTemplate', description: 'Register a new template', isAsync: true, responseName: 'template',
  params: [
    { name: 'name', type: 'string', required: true, description: 'the name of the template', max: 255 },
    { name: 'displaytext', type: 'string', required: true, description: 'the description of the template', max: 4096 },
    { name: 'zoneid', type: 'uuid', required: true, description: 'the ID of the zone the template is to be registered on' },
    { name: 'url', type: 'string', required: true, description: 'the URL of where the template is hosted', max: 2048 },
    { name: 'checksum', type: 'string', required: true, description: 'the MD5 checksum value of this template', max: 64 },
    { name: 'passwordenabled', type: 'boolean', description: 'true if the template supports the password reset feature; default is false' },
    { name: 'sshkeyenabled', type: 'boolean', description: 'true if the template supports the sshkey upload feature; default is false' },
    { name: 'details', type: 'map', description: 'Template details in key/value pairs: details[0].username=debian' },
    { name: 'bootmode', type: 'string', description: 'legacy (default) or uefi', max: 16 },
  ],
  async handle(core, ctx, p) {
    const r = await core.templates.register(ctx, {
      name: p.name, displayText: p.displaytext, zoneId: p.zoneid, url: p.url, checksum: p.checksum, passwordEnabled: p.passwordenabled,
      sshkeyEnabled: p.sshkeyenabled, details: details(p.details), bootMode: p.bootmode,
    });
    return job(r.taskId, r.id);
  },
};

/** deleteTemplate. */
export const deleteTemplate: CsCommand = {
  name: 'deleteTemplate', description: 'Delete a template', isAsync: true,
  params: [
    { name: 'id', type: 'uuid', required: true, description: 'the template ID' },
    { name: 'zoneid', type: 'uuid', description: 'ignored: the template is deleted from its zone' },
    { name: 'forced', type: 'boolean', description: 'ignored: a template in use is never deleted' },
  ],
  async handle(core, ctx, p) { return job(await core.templates.delete(ctx, p.id), p.id); },
};
