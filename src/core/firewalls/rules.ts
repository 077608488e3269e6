import { invalid } from '../../lib/errors.js';
import { parseCidr } from '../net/ip.js';

/** Raw rule parameters as authorizeSecurityGroupIngress/Egress receive them, before validation. */
export interface RuleInput {
  protocol?: string;
  startPort?: number;
  endPort?: number;
  icmpType?: number;
  icmpCode?: number;
  cidrs?: string[];
  userGroups?: Array<{ account: string; group: string }>;
  description?: string;
}

/** Protocols a security-group rule may name. */
export type RuleProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'all' | 'ah' | 'esp' | 'gre' | 'ipip';

/** A validated rule with defaults applied and fields that do not apply to its protocol set to null. */
export interface NormalizedRule {
  protocol: RuleProtocol;
  startPort: number | null;
  endPort: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  cidrs: string[];
  userGroups: Array<{ account: string; group: string }>;
  description: string | null;
}

const NAMED_PROTOCOLS: readonly RuleProtocol[] = ['tcp', 'udp', 'icmp', 'icmpv6', 'all', 'ah', 'esp', 'gre', 'ipip'];

/** IANA protocol numbers of the protocols above. */
const PROTOCOL_NUMBERS: Record<string, RuleProtocol> = {
  '1': 'icmp',
  '4': 'ipip',
  '6': 'tcp',
  '17': 'udp',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '58': 'icmpv6',
};

const MAX_DESCRIPTION_LENGTH = 255;
const DEFAULT_CIDR = '0.0.0.0/0';

/** True when an optional numeric parameter was actually supplied. */
function given(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** Resolves the protocol parameter (name or number, any case), defaulting to TCP. */
function normalizeProtocol(raw: string | undefined): RuleProtocol {
  if (!given(raw) || (typeof raw === 'string' && raw.trim() === '')) return 'tcp';
  if (typeof raw !== 'string') throw invalid('protocol must be a protocol name or number', 'protocol');
  const text = raw.trim().toLowerCase();
  const byNumber = PROTOCOL_NUMBERS[text];
  if (byNumber) return byNumber;
  if ((NAMED_PROTOCOLS as readonly string[]).includes(text)) return text as RuleProtocol;
  throw invalid(
    `Invalid protocol ${raw}: expected one of ${NAMED_PROTOCOLS.join(', ')} or its IANA protocol number`,
    'protocol',
  );
}

/** A numeric field of a rule; messages name it in lower case, as the parameter it came from. */
type NumberField = 'startPort' | 'endPort' | 'icmpType' | 'icmpCode';

/** Validates an integer field within [min, max]. */
function integerIn(value: unknown, min: number, max: number, field: NumberField): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${field.toLowerCase()} must be an integer between ${min} and ${max}`, field);
  }
  return value;
}

/** Rejects a field that does not apply to the rule's protocol. */
function forbid(value: unknown, field: NumberField, protocol: RuleProtocol): void {
  if (given(value)) throw invalid(`${field.toLowerCase()} is not allowed for protocol ${protocol}`, field);
}

/** Validates and normalizes each CIDR of cidrlist, dropping duplicates. */
function normalizeCidrs(cidrs: unknown): string[] {
  if (!given(cidrs)) return [];
  if (!Array.isArray(cidrs)) throw invalid('cidrlist must be a list of CIDRs', 'cidrs');
  const out: string[] = [];
  for (const cidr of cidrs) {
    if (typeof cidr !== 'string' || cidr.trim() === '') throw invalid('cidrlist contains an empty CIDR', 'cidrs');
    let parsed;
    try {
      parsed = parseCidr(cidr.trim());
    } catch {
      throw invalid(`Invalid CIDR in cidrlist: ${cidr}`, 'cidrs');
    }
    const normalized = `${parsed.base}/${parsed.prefix}`;
    if (!out.includes(normalized)) out.push(normalized);
  }
  return out;
}

/** Validates the account/group pairs of usersecuritygrouplist. */
function normalizeUserGroups(groups: unknown): Array<{ account: string; group: string }> {
  if (!given(groups)) return [];
  if (!Array.isArray(groups)) throw invalid('usersecuritygrouplist must be a list', 'userGroups');
  return groups.map((entry: unknown) => {
    const { account, group } = (entry ?? {}) as { account?: unknown; group?: unknown };
    if (typeof account !== 'string' || account.trim() === '' || typeof group !== 'string' || group.trim() === '') {
      throw invalid('usersecuritygrouplist entries need both an account and a group', 'userGroups');
    }
    return { account: account.trim(), group: group.trim() };
  });
}

/** Validates a security-group rule with CloudStack semantics and returns it with defaults applied; throws invalid naming the bad parameter. */
export function normalizeRule(input: RuleInput): NormalizedRule {
  const protocol = normalizeProtocol(input.protocol);
  let startPort: number | null = null;
  let endPort: number | null = null;
  let icmpType: number | null = null;
  let icmpCode: number | null = null;

  if (protocol === 'tcp' || protocol === 'udp') {
    forbid(input.icmpType, 'icmpType', protocol);
    forbid(input.icmpCode, 'icmpCode', protocol);
    if (!given(input.startPort)) throw invalid(`startport is required for protocol ${protocol}`, 'startPort');
    startPort = integerIn(input.startPort, 1, 65535, 'startPort');
    endPort = given(input.endPort) ? integerIn(input.endPort, 1, 65535, 'endPort') : startPort;
    if (endPort < startPort) throw invalid('endport must be greater than or equal to startport', 'endPort');
  } else if (protocol === 'icmp' || protocol === 'icmpv6') {
    forbid(input.startPort, 'startPort', protocol);
    forbid(input.endPort, 'endPort', protocol);
    icmpType = given(input.icmpType) ? integerIn(input.icmpType, -1, 255, 'icmpType') : -1;
    icmpCode = given(input.icmpCode) ? integerIn(input.icmpCode, -1, 255, 'icmpCode') : -1;
    if (icmpType === -1 && icmpCode !== -1) throw invalid('icmpcode must be -1 when icmptype is -1', 'icmpCode');
  } else {
    forbid(input.startPort, 'startPort', protocol);
    forbid(input.endPort, 'endPort', protocol);
    forbid(input.icmpType, 'icmpType', protocol);
    forbid(input.icmpCode, 'icmpCode', protocol);
  }

  let cidrs = normalizeCidrs(input.cidrs);
  const userGroups = normalizeUserGroups(input.userGroups);
  if (cidrs.length === 0 && userGroups.length === 0) cidrs = [DEFAULT_CIDR];

  let description: string | null = null;
  if (given(input.description)) {
    if (typeof input.description !== 'string') throw invalid('description must be a string', 'description');
    if (input.description.length > MAX_DESCRIPTION_LENGTH) {
      throw invalid(`description must be at most ${MAX_DESCRIPTION_LENGTH} characters`, 'description');
    }
    description = input.description;
  }

  return { protocol, startPort, endPort, icmpType, icmpCode, cidrs, userGroups, description };
}
