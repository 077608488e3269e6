/** VPS images as the DanubeData API names them (`ubuntu-24.04`, `debian-12`), derived from the core's templates. */

/** A template as this module needs it. */
export interface TemplateLike {
  id: string;
  name: string;
  displayText: string;
  defaultUser: string | null;
}

/** An image as the API shows it. */
export interface VpsImage {
  id: string;
  image: string;
  label: string;
  description: string;
  distro: string;
  version: string;
  family: string | null;
  default_user: string;
  /** The core template behind the image. */
  templateId: string;
}

/** Known distributions: the word in a template name and the API's distro key and label. */
const DISTROS: Array<[RegExp, string, string]> = [
  [/ubuntu/i, 'ubuntu', 'Ubuntu'],
  [/debian/i, 'debian', 'Debian'],
  [/rocky/i, 'rocky', 'Rocky Linux'],
  [/alma/i, 'alma', 'AlmaLinux'],
  [/fedora/i, 'fedora', 'Fedora'],
  [/alpine/i, 'alpine', 'Alpine'],
  [/centos/i, 'centos', 'CentOS'],
  [/windows/i, 'windows', 'Windows Server'],
];

/** The distro key and label of a template name (the name's first word when unknown). */
function distroOf(name: string): [string, string] {
  for (const [re, key, label] of DISTROS) if (re.test(name)) return [key, label];
  const word = (name.split(/\s+/)[0] ?? 'linux').toLowerCase().replace(/[^a-z0-9]/g, '') || 'linux';
  return [word, word];
}

/** The API image of a template. */
export function imageOf(t: TemplateLike): VpsImage {
  const [distro, label] = distroOf(t.name);
  const version = /(\d+(?:\.\d+)?)/.exec(t.name)?.[1] ?? 'latest';
  const id = `${distro}-${version}`;
  return {
    id,
    image: `registry.nube.local/vps/${id}:${t.id.slice(0, 8)}`,
    label: `${label} ${version}`,
    description: t.displayText || t.name,
    distro,
    version,
    family: distro === 'windows' ? 'windows' : 'linux',
    default_user: t.defaultUser || 'root',
    templateId: t.id,
  };
}

/** The distro groups of images, in the order the distros first appear. */
export function groupImages(images: VpsImage[]): Array<{ distro: string; name: string; images: VpsImage[] }> {
  const groups = new Map<string, { distro: string; name: string; images: VpsImage[] }>();
  for (const i of images) {
    const g = groups.get(i.distro) ?? { distro: i.distro, name: distroOf(i.label)[1], images: [] };
    g.images.push(i);
    groups.set(i.distro, g);
  }
  return [...groups.values()];
}
