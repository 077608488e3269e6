/**
 * The IAM operation of every CloudStack command (`<service>/<command>`) and the catalog of operations an API key may be
 * granted: those of the registered commands and the rest of Exoscale's (DNS, instance pools, object storage, ...), so a
 * key made for the real API is accepted before Nube serves all of it.
 */
import { IAM_SERVICES, type IamServiceName } from '../../core/iam/operations.js';
import type { CsCommand } from './command.js';

/** The service of a command that declares none, by its name; the first match wins, compute otherwise. */
const SERVICE_BY_NAME: ReadonlyArray<[RegExp, IamServiceName]> = [
  [/DnsDomain/, 'dns'],
  [/ApiKey/, 'iam'],
  [/^listBucketsUsage$/, 'sos'],
];

/** Exoscale's operations per service besides the registered commands' (names as its IAM lists them). */
const EXOSCALE_OPERATIONS: Record<IamServiceName, string> = {
  compute: `
    activateIp6 addIpToNic addNicToVirtualMachine associateIpAddress authorizeSecurityGroupEgress
    authorizeSecurityGroupIngress changeServiceForVirtualMachine createAntiAffinityGroup createInstancePool
    createNetwork createSSHKeyPair createSecurityGroup createSnapshot createTags deleteAntiAffinityGroup
    deleteNetwork deleteReverseDnsFromPublicIpAddress deleteReverseDnsFromVirtualMachine deleteSSHKeyPair
    deleteSecurityGroup deleteSnapshot deleteTags deleteTemplate deployVirtualMachine destroyInstancePool
    destroyVirtualMachine disassociateIpAddress getInstancePool getVMPassword listAccounts listAntiAffinityGroups
    listAsyncJobs listInstancePools listNetworks listNics listPublicIpAddresses listSSHKeyPairs
    listSecurityGroups listServiceOfferings listSnapshots listTags listTemplates listVirtualMachines listVolumes
    listZones queryAsyncJobResult queryReverseDnsForPublicIpAddress queryReverseDnsForVirtualMachine
    rebootVirtualMachine registerCustomTemplate registerSSHKeyPair removeIpFromNic removeNicFromVirtualMachine
    resetPasswordForVirtualMachine resizeVolume restoreVirtualMachine revertSnapshot revokeSecurityGroupEgress
    revokeSecurityGroupIngress scaleInstancePool scaleVirtualMachine startVirtualMachine stopVirtualMachine
    updateInstancePool updateIpAddress updateNetwork updateReverseDnsForPublicIpAddress
    updateReverseDnsForVirtualMachine updateVirtualMachine updateVmNicIp`,
  dns: `
    createDnsDomain createDnsDomainRecord deleteDnsDomain deleteDnsDomainRecord getDnsDomainRecord
    getDnsDomainZoneFile listDnsDomainRecords listDnsDomains resetDnsDomainToken updateDnsDomainRecord`,
  iam: `createApiKey getApiKey listApiKeyOperations listApiKeys revokeApiKey`,
  sos: `
    abortMultipartUpload completeMultipartUpload createBucket createMultipartUpload deleteBucket deleteBucketCors
    deleteObject deleteObjects getBucketAcl getBucketCors getBucketLocation getBucketVersioning getObject getObjectAcl
    headBucket headObject listBucket listBucketMultipartUploads listBucketVersions listBuckets listBucketsUsage
    listMultipartUploadParts putBucketAcl putBucketCors putBucketVersioning putObject putObjectAcl uploadPart`,
};

/** The IAM service of a command: the one it declares, else the one its name says. */
export function serviceOf(cmd: Pick<CsCommand, 'name' | 'service'>): IamServiceName {
  if (cmd.service) return cmd.service;
  return SERVICE_BY_NAME.find(([re]) => re.test(cmd.name))?.[1] ?? 'compute';
}

/** The IAM operation a command performs, which a restricted key must be granted (`compute/deployVirtualMachine`). */
export function operationOf(cmd: Pick<CsCommand, 'name' | 'service'>): string {
  return `${serviceOf(cmd)}/${cmd.name}`;
}

/** Every operation a key may be granted: the commands' and Exoscale's, sorted. */
export function operationCatalog(commands: readonly CsCommand[]): string[] {
  const ops = new Set(commands.map(operationOf));
  for (const service of IAM_SERVICES) {
    for (const name of EXOSCALE_OPERATIONS[service].split(/\s+/)) if (name) ops.add(`${service}/${name}`);
  }
  return [...ops].sort();
}
