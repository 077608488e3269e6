/** What every VPS route shares: the API images of the caller, the view context of a page of VMs, and image lookup. */
import type { FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { VmView } from '../../core/vms/model.js';
import type { CallContext } from '../../lib/context.js';
import { invalid } from '../../lib/errors.js';
import { callerOf } from './auth.js';
import { restNumbers } from './ids.js';
import { imageOf, type VpsImage } from './images.js';
import { vpsOf, type VpsContext } from './vps-view.js';

/** The object type under which SSH keys are numbered (shared with the SSH key routes). */
export const SSH_KEY_TYPE = 'ssh key';

/** The images the caller may boot: public templates and the caller's own, one per API image id (the newest wins). */
export async function imagesFor(core: Core, ctx: CallContext): Promise<VpsImage[]> {
  const rows = await core.catalog.visibleTemplates(ctx, 'executable');
  const byId = new Map<string, VpsImage>();
  for (const t of rows) {
    if (t.ready !== 1) continue;
    let user: string | null = null;
    try {
      user = (JSON.parse(t.details ?? '{}') as { username?: string }).username ?? null;
    } catch {
      user = null;
    }
    const img = imageOf({ id: t.id, name: t.name, displayText: t.display_text, defaultUser: user });
    byId.set(img.id, img);
  }
  return [...byId.values()];
}

/** The template behind an API image id (or a template id); Invalid on `image` when none. */
export async function templateOfImage(core: Core, ctx: CallContext, image: string): Promise<VpsImage> {
  const found = (await imagesFor(core, ctx)).find((i) => i.id === image || i.templateId === image);
  if (!found) throw invalid('The selected image is invalid.', 'image');
  return found;
}

/** The view context of some VMs: the team, the numbers of the account's SSH keys, the API image ids. */
export async function vpsContext(
  core: Core,
  req: FastifyRequest,
  ctx: CallContext,
  vms: VmView[],
): Promise<VpsContext> {
  const keyNames = [...new Set(vms.map((v) => v.sshKeyName).filter((n): n is string => !!n))];
  const sshKeyIds = new Map<string, number>();
  if (keyNames.length) {
    const keys = await core.sshKeys.idsByName(ctx, keyNames);
    const n = await restNumbers(core, SSH_KEY_TYPE, [...keys.values()]);
    for (const [name, id] of keys) sshKeyIds.set(name, n.get(id)!);
  }
  const imageIds = new Map<string, string>();
  for (const v of vms) if (!imageIds.has(v.templateId)) imageIds.set(v.templateId, imageIdOf(v));
  return { teamId: callerOf(req).teamId, sshKeyIds, imageIds };
}

/** The API image id of a VM's template. */
function imageIdOf(v: VmView): string {
  return imageOf({ id: v.templateId, name: v.templateName, displayText: v.templateDisplayText, defaultUser: null }).id;
}

/** VMs as VpsInstanceResources. */
export async function vpsShapes(core: Core, req: FastifyRequest, ctx: CallContext, vms: VmView[]) {
  const c = await vpsContext(core, req, ctx, vms);
  return vms.map((v) => vpsOf(v, c));
}
