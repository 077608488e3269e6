/**
 * The VPS resource profiles (plans) of the DanubeData API and the core service offering each one runs on: a
 * profile fixes vCPUs and memory through its offering, and the root disk size and monthly price itself.
 */

/** One resource profile. */
export interface Plan {
  slug: string;
  displayName: string;
  type: 'shared' | 'dedicated';
  /** The core service offering (by name) that gives the vCPUs and memory. */
  offering: string;
  cpuCores: number;
  memoryGb: number;
  storageGb: number;
  /** Monthly price in euro cents. */
  monthlyCents: number;
}

/** Row form: slug, display name, offering, vCPUs, memory GB, disk GB, monthly cents. */
type PlanRow = [string, string, string, number, number, number, number];

const SHARED: PlanRow[] = [
  ['pico_shared', 'DD Pico', 'Micro', 1, 0.5, 10, 199],
  ['nano_shared', 'DD Litcov', 'Small', 2, 2, 40, 449],
  ['micro_shared', 'DD Micro', 'Medium', 2, 4, 80, 799],
  ['small_shared', 'DD Small', 'Large', 4, 8, 160, 1499],
  ['medium_shared', 'DD Medium', 'Extra-large', 4, 16, 320, 2899],
  ['large_shared', 'DD Large', 'Huge', 8, 32, 640, 5699],
];

const DEDICATED: PlanRow[] = [
  ['nano', 'DD Nano Dedicated', 'Tiny', 1, 1, 25, 899],
  ['micro', 'DD Micro Dedicated', 'Small', 2, 2, 50, 1599],
  ['small', 'DD Small Dedicated', 'Medium', 2, 4, 100, 2999],
  ['medium', 'DD Medium Dedicated', 'Large', 4, 8, 200, 5799],
  ['large', 'DD Large Dedicated', 'Extra-large', 4, 16, 400, 10999],
  ['xlarge', 'DD XLarge Dedicated', 'Huge', 8, 32, 800, 20999],
];

function plan(type: Plan['type']) {
  return ([slug, displayName, offering, cpuCores, memoryGb, storageGb, monthlyCents]: PlanRow): Plan => ({
    slug,
    displayName,
    type,
    offering,
    cpuCores,
    memoryGb,
    storageGb,
    monthlyCents,
  });
}

/** Every profile, shared first. */
export const PLANS: readonly Plan[] = [...SHARED.map(plan('shared')), ...DEDICATED.map(plan('dedicated'))];

/** The profile a VPS gets when the request names none. */
export const DEFAULT_PLAN = 'nano_shared';

/** The profile with this slug, or undefined. */
export function planBySlug(slug: string): Plan | undefined {
  return PLANS.find((p) => p.slug === slug);
}

/** The profile of a VM: the one on its offering with its root disk size, else the first on its offering, else undefined. */
export function planOfVm(offeringName: string, diskGb: number): Plan | undefined {
  return (
    PLANS.find((p) => p.offering === offeringName && p.storageGb === diskGb) ??
    PLANS.find((p) => p.offering === offeringName)
  );
}
