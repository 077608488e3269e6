/** Fixtures of the network-group tests (IPs, NICs, tags, networks, accounts, templates): catalog lookups and deploys. */
import assert from 'node:assert/strict';
import type { CsClient } from '../../support/cs-client.js';

/** The seeded zones, the Micro offering and a featured Linux template. */
export interface NetCatalog {
  zone: any;
  zone2: any;
  micro: any;
  template: any;
}

/** Reads the seeded catalog through the API. */
export async function netCatalog(cs: CsClient): Promise<NetCatalog> {
  const zones = (await cs.ok('listZones')).zone;
  const micro = (await cs.ok('listServiceOfferings', { name: 'Micro' })).serviceoffering[0];
  const template = (await cs.ok('listTemplates', { templatefilter: 'featured' })).template.find((t: any) =>
    /Linux/.test(t.name),
  );
  return { zone: zones[0], zone2: zones[1], micro, template };
}

/** Deploys a running Micro VM in the first zone (unless params say otherwise) and returns its virtualmachine object. */
export async function deployVm(
  cs: CsClient,
  c: NetCatalog,
  params: Record<string, string | number | boolean | undefined> = {},
): Promise<any> {
  const r = await cs.done('deployVirtualMachine', {
    zoneid: c.zone.id,
    serviceofferingid: c.micro.id,
    templateid: c.template.id,
    ...params,
  });
  return r.virtualmachine;
}

/** Asserts that a call fails with the given CloudStack error code and an errortext matching re. */
export async function fails(
  cs: CsClient,
  command: string,
  params: Record<string, string | number | boolean | undefined>,
  code: number,
  re?: RegExp,
): Promise<any> {
  const r = await cs.call(command, params);
  assert.equal(r.status, code, `${command} answered ${r.status}: ${r.raw}`);
  assert.equal(r.body.errorcode, code);
  if (re) assert.match(r.body.errortext, re);
  return r.body;
}
