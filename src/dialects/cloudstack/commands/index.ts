/** Every command of the dialect, one import per command file, grouped by resource. */
import type { CsCommand } from '../command.js';
import { listAccounts } from './accounts/list-accounts.js';
import { listResourceLimits, updateResourceLimit } from './accounts/resource-limits.js';
import { createAffinityGroup } from './affinity-groups/create-affinity-group.js';
import { listAffinityGroups } from './affinity-groups/list-affinity-groups.js';
import { listAffinityGroupTypes } from './affinity-groups/list-affinity-group-types.js';
import { deleteAffinityGroup } from './affinity-groups/delete-affinity-group.js';
import {
  createAntiAffinityGroup,
  deleteAntiAffinityGroup,
  listAntiAffinityGroups,
} from './affinity-groups/anti-affinity-groups.js';
import { updateVMAffinityGroup } from './affinity-groups/update-vm-affinity-group.js';
import { listApis } from './apis/list-apis.js';
import { createInstancePool } from './instance-pools/create-instance-pool.js';
import { updateInstancePool } from './instance-pools/update-instance-pool.js';
import { scaleInstancePool } from './instance-pools/scale-instance-pool.js';
import { destroyInstancePool } from './instance-pools/destroy-instance-pool.js';
import { getInstancePool } from './instance-pools/get-instance-pool.js';
import { listInstancePools } from './instance-pools/list-instance-pools.js';
import { listZones } from './catalog/list-zones.js';
import { listServiceOfferings } from './catalog/list-service-offerings.js';
import { listDiskOfferings } from './catalog/list-disk-offerings.js';
import { listOsTypes } from './catalog/list-os-types.js';
import { createDnsDomain } from './dns/create-dns-domain.js';
import { listDnsDomains } from './dns/list-dns-domains.js';
import { deleteDnsDomain } from './dns/delete-dns-domain.js';
import { resetDnsDomainToken } from './dns/reset-dns-domain-token.js';
import { getDnsDomainZoneFile } from './dns/get-dns-domain-zone-file.js';
import { listDnsDomainRecords } from './dns/list-dns-domain-records.js';
import { createDnsDomainRecord } from './dns/create-dns-domain-record.js';
import { getDnsDomainRecord } from './dns/get-dns-domain-record.js';
import { deleteDnsDomainRecord } from './dns/delete-dns-domain-record.js';
import { updateDnsDomainRecord } from './dns/update-dns-domain-record.js';
import { queryAsyncJobResult } from './jobs/query-async-job-result.js';
import { listAsyncJobs } from './jobs/list-async-jobs.js';
import { createNetwork } from './networks/create-network.js';
import { updateNetwork } from './networks/update-network.js';
import { deleteNetwork } from './networks/delete-network.js';
import { listNetworks } from './networks/list-networks.js';
import { listNics } from './nics/list-nics.js';
import { activateIp6 } from './nics/activate-ip6.js';
import { addIpToNic, removeIpFromNic } from './nics/secondary-ips.js';
import { addNicToVirtualMachine, removeNicFromVirtualMachine, updateVmNicIp } from './nics/vm-nics.js';
import { associateIpAddress } from './public-ips/associate-ip-address.js';
import { updateIpAddress } from './public-ips/update-ip-address.js';
import { disassociateIpAddress } from './public-ips/disassociate-ip-address.js';
import { listPublicIpAddresses } from './public-ips/list-public-ip-addresses.js';
import { listIpForwardingRules, listPortForwardingRules } from './public-ips/list-forwarding-rules.js';
import { queryReverseDnsForVirtualMachine } from './reverse-dns/query-reverse-dns-for-virtual-machine.js';
import { updateReverseDnsForVirtualMachine } from './reverse-dns/update-reverse-dns-for-virtual-machine.js';
import { deleteReverseDnsFromVirtualMachine } from './reverse-dns/delete-reverse-dns-from-virtual-machine.js';
import { queryReverseDnsForPublicIpAddress } from './reverse-dns/query-reverse-dns-for-public-ip-address.js';
import { updateReverseDnsForPublicIpAddress } from './reverse-dns/update-reverse-dns-for-public-ip-address.js';
import { deleteReverseDnsFromPublicIpAddress } from './reverse-dns/delete-reverse-dns-from-public-ip-address.js';
import { createSecurityGroup } from './security-groups/create-security-group.js';
import { deleteSecurityGroup } from './security-groups/delete-security-group.js';
import {
  authorizeSecurityGroupEgress,
  authorizeSecurityGroupIngress,
} from './security-groups/authorize-security-group.js';
import { revokeSecurityGroupEgress, revokeSecurityGroupIngress } from './security-groups/revoke-security-group.js';
import { listSecurityGroups } from './security-groups/list-security-groups.js';
import { createSnapshot } from './snapshots/create-snapshot.js';
import { listSnapshots } from './snapshots/list-snapshots.js';
import { deleteSnapshot } from './snapshots/delete-snapshot.js';
import { revertSnapshot } from './snapshots/revert-snapshot.js';
import { createSSHKeyPair } from './ssh-keys/create-ssh-key-pair.js';
import { registerSSHKeyPair } from './ssh-keys/register-ssh-key-pair.js';
import { listSSHKeyPairs } from './ssh-keys/list-ssh-key-pairs.js';
import { deleteSSHKeyPair } from './ssh-keys/delete-ssh-key-pair.js';
import { resetSSHKeyForVirtualMachine } from './ssh-keys/reset-ssh-key-for-virtual-machine.js';
import { createTags } from './tags/create-tags.js';
import { deleteTags } from './tags/delete-tags.js';
import { listTags } from './tags/list-tags.js';
import { listTemplates } from './templates/list-templates.js';
import { registerCustomTemplate } from './templates/register-custom-template.js';
import { deleteTemplate } from './templates/delete-template.js';
import { deployVirtualMachine } from './vms/deploy-virtual-machine.js';
import { destroyVirtualMachine, rebootVirtualMachine, startVirtualMachine, stopVirtualMachine } from './vms/power.js';
import { listVirtualMachines } from './vms/list-virtual-machines.js';
import { scaleVirtualMachine } from './vms/scale-virtual-machine.js';
import { changeServiceForVirtualMachine } from './vms/change-service-for-virtual-machine.js';
import { restoreVirtualMachine } from './vms/restore-virtual-machine.js';
import { resetPasswordForVirtualMachine } from './vms/reset-password-for-virtual-machine.js';
import { updateVirtualMachine } from './vms/update-virtual-machine.js';
import { getVMPassword } from './vms/get-vm-password.js';
import { createApiKey } from './iam/create-api-key.js';
import { revokeApiKey } from './iam/revoke-api-key.js';
import { getApiKey } from './iam/get-api-key.js';
import { listApiKeys } from './iam/list-api-keys.js';
import { listApiKeyOperations } from './iam/list-api-key-operations.js';
import { listVolumes } from './volumes/list-volumes.js';
import { createVolume } from './volumes/create-volume.js';
import { attachVolume, detachVolume } from './volumes/attach-volume.js';
import { deleteVolume } from './volumes/delete-volume.js';
import { resizeVolume } from './volumes/resize-volume.js';

/** All commands, in the order listApis answers them. */
export function allCommands(): CsCommand[] {
  return [
    deployVirtualMachine,
    startVirtualMachine,
    stopVirtualMachine,
    rebootVirtualMachine,
    destroyVirtualMachine,
    listVirtualMachines,
    queryAsyncJobResult,
    listAsyncJobs,
    listZones,
    listServiceOfferings,
    listTemplates,
    listDiskOfferings,
    listOsTypes,
    listApis,
    listVolumes,
    createVolume,
    attachVolume,
    detachVolume,
    deleteVolume,
    resizeVolume,
    createSnapshot,
    listSnapshots,
    deleteSnapshot,
    revertSnapshot,
    createSecurityGroup,
    deleteSecurityGroup,
    authorizeSecurityGroupIngress,
    authorizeSecurityGroupEgress,
    revokeSecurityGroupIngress,
    revokeSecurityGroupEgress,
    listSecurityGroups,
    createAntiAffinityGroup,
    listAntiAffinityGroups,
    deleteAntiAffinityGroup,
    createAffinityGroup,
    listAffinityGroups,
    listAffinityGroupTypes,
    deleteAffinityGroup,
    updateVMAffinityGroup,
    createSSHKeyPair,
    registerSSHKeyPair,
    listSSHKeyPairs,
    deleteSSHKeyPair,
    resetSSHKeyForVirtualMachine,
    associateIpAddress,
    updateIpAddress,
    disassociateIpAddress,
    listPublicIpAddresses,
    activateIp6,
    addIpToNic,
    removeIpFromNic,
    listNics,
    createTags,
    deleteTags,
    listTags,
    listAccounts,
    listResourceLimits,
    updateResourceLimit,
    listPortForwardingRules,
    listIpForwardingRules,
    createNetwork,
    deleteNetwork,
    listNetworks,
    updateNetwork,
    registerCustomTemplate,
    deleteTemplate,
    scaleVirtualMachine,
    restoreVirtualMachine,
    resetPasswordForVirtualMachine,
    changeServiceForVirtualMachine,
    updateVirtualMachine,
    getVMPassword,
    addNicToVirtualMachine,
    removeNicFromVirtualMachine,
    updateVmNicIp,
    createApiKey,
    revokeApiKey,
    getApiKey,
    listApiKeys,
    listApiKeyOperations,
    queryReverseDnsForVirtualMachine,
    updateReverseDnsForVirtualMachine,
    deleteReverseDnsFromVirtualMachine,
    queryReverseDnsForPublicIpAddress,
    updateReverseDnsForPublicIpAddress,
    deleteReverseDnsFromPublicIpAddress,
    createDnsDomain,
    listDnsDomains,
    deleteDnsDomain,
    resetDnsDomainToken,
    getDnsDomainZoneFile,
    listDnsDomainRecords,
    createDnsDomainRecord,
    getDnsDomainRecord,
    deleteDnsDomainRecord,
    updateDnsDomainRecord,
    createInstancePool,
    updateInstancePool,
    scaleInstancePool,
    destroyInstancePool,
    getInstancePool,
    listInstancePools,
  ];
}
