/** registerCustomTemplate: a template of the caller's own, downloaded from a URL into one zone; async. */
import { command, job, param } from '../../command.js';

/** details[i].name=value entries merged into one object; a later entry wins. */
function details(v: Array<Partial<Record<string, string>>> | undefined): Record<string, string> | undefined {
  if (!v) return undefined;
  const out: Record<string, string> = {};
  for (const e of v) Object.assign(out, e);
  return out;
}

/** The command; the job result is a one-element `template` list. */
export const registerCustomTemplate = command({
  name: 'registerCustomTemplate',
  description: 'Register a new template',
  isAsync: true,
  responseName: 'template',
  params: {
    name: param.string('the name of the template').required().maxLength(255),
    displaytext: param.string('the description of the template').required().maxLength(4096),
    zoneid: param.uuid('the ID of the zone the template is to be registered on').required(),
    url: param.string('the URL of where the template is hosted').required().maxLength(2048),
    checksum: param.string('the MD5 checksum value of this template').required().maxLength(64),
    passwordenabled: param.boolean('true if the template supports the password reset feature; default is false'),
    sshkeyenabled: param.boolean('true if the template supports the sshkey upload feature; default is false'),
    details: param.map('Template details in key/value pairs: details[0].username=debian'),
    bootmode: param.string('legacy (default) or uefi').maxLength(16),
  },
  async handle(core, ctx, p) {
    const r = await core.templates.register(ctx, {
      name: p.name,
      displayText: p.displaytext,
      zoneId: p.zoneid,
      url: p.url,
      checksum: p.checksum,
      passwordEnabled: p.passwordenabled,
      sshkeyEnabled: p.sshkeyenabled,
      details: details(p.details),
      bootMode: p.bootmode,
    });
    return job(r.taskId, r.objectId);
  },
});
