/** Commands of this group (security groups, affinity groups, SSH key pairs), registered by commands/index.ts. */
import type { CsCommand } from '../../command.js';
import '../../views/security-group.js';
import '../../views/affinity-group.js';
import { createSecurityGroup } from './create-security-group.js';
import { deleteSecurityGroup } from './delete-security-group.js';
import { authorizeSecurityGroupEgress, authorizeSecurityGroupIngress } from './authorize-security-group.js';
import { revokeSecurityGroupEgress, revokeSecurityGroupIngress } from './revoke-security-group.js';
import { listSecurityGroups } from './list-security-groups.js';
import { createAntiAffinityGroup, deleteAntiAffinityGroup, listAntiAffinityGroups } from './anti-affinity-groups.js';
import { createAffinityGroup, deleteAffinityGroup, listAffinityGroupTypes, listAffinityGroups } from './affinity-groups.js';
import { updateVMAffinityGroup } from './update-vm-affinity-group.js';
import { createSSHKeyPair, deleteSSHKeyPair, listSSHKeyPairs, registerSSHKeyPair } from './ssh-key-pairs.js';
import { resetSSHKeyForVirtualMachine } from './reset-ssh-key.js';

/** This group's commands. */
export const securityCommands: CsCommand[] = [
  createSecurityGroup, deleteSecurityGroup, authorizeSecurityGroupIngress, authorizeSecurityGroupEgress,
  revokeSecurityGroupIngress, revokeSecurityGroupEgress, listSecurityGroups,
  createAntiAffinityGroup, listAntiAffinityGroups, deleteAntiAffinityGroup,
  createAffinityGroup, listAffinityGroups, listAffinityGroupTypes, deleteAffinityGroup, updateVMAffinityGroup,
  createSSHKeyPair, registerSSHKeyPair, listSSHKeyPairs, deleteSSHKeyPair, resetSSHKeyForVirtualMachine,
];
