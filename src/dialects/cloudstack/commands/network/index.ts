/** Commands of this group (public IPs, NICs, tags, accounts, networks, templates), registered by commands/index.ts. */
import type { CsCommand } from '../../command.js';
import '../../views/public-ip.js';
import '../../views/nic.js';
import '../../views/network.js';
import '../../views/template.js';
import { associateIpAddress, disassociateIpAddress, listPublicIpAddresses, updateIpAddress } from './public-ips.js';
import { activateIp6, addIpToNic, listNics, removeIpFromNic } from './nics.js';
import { createTags, deleteTags, listTags } from './tags.js';
import { listAccounts } from './accounts.js';
import { listResourceLimits, updateResourceLimit } from './resource-limits.js';
import { listIpForwardingRules, listPortForwardingRules } from './forwarding-rules.js';
import { createNetwork, deleteNetwork, listNetworks, updateNetwork } from './networks.js';
import { deleteTemplate, registerCustomTemplate } from './templates.js';

/** This group's commands. */
export const networkCommands: CsCommand[] = [
  associateIpAddress, updateIpAddress, disassociateIpAddress, listPublicIpAddresses,
  activateIp6, addIpToNic, removeIpFromNic, listNics,
  createTags, deleteTags, listTags,
  listAccounts, listResourceLimits, updateResourceLimit, listPortForwardingRules, listIpForwardingRules,
  createNetwork, deleteNetwork, listNetworks, updateNetwork,
  registerCustomTemplate, deleteTemplate,
];
