/** Driver conformance: the same calls against any ComputeDriver must give the same observable power states. */
import assert from 'node:assert/strict';
import type { ComputeDriver, VmSpec } from './driver.js';

/** What a case runs against: a driver, a VM it may use, and how to wait until that VM's guest has booted. */
export interface ConformanceTarget {
  driver: ComputeDriver;
  /** A defined-nowhere VM the case owns (each case gets a fresh one). */
  spec: VmSpec;
  /** Resolves once the guest can react to a graceful stop (sim: at once; qemu: its ready line). */
  booted(vmId: string): Promise<void>;
}

/** One conformance case. */
export interface ConformanceCase {
  name: string;
  run(t: ConformanceTarget): Promise<void>;
}

/** The cases every compute driver must pass. */
export const CONFORMANCE: ConformanceCase[] = [
  {
    name: 'an unknown VM is absent, and stopping or destroying it succeeds',
    async run({ driver, spec }) {
      assert.equal(await driver.status(spec.id), 'absent');
      await driver.stop(spec.id, { force: false });
      await driver.stop(spec.id, { force: true });
      await driver.destroy(spec.id);
      assert.equal(await driver.status(spec.id), 'absent');
    },
  },
  {
    name: 'define makes a stopped VM; start runs it and is idempotent; graceful stop stops it; destroy removes it',
    async run({ driver, spec, booted }) {
      await driver.define(spec);
      assert.equal(await driver.status(spec.id), 'stopped');
      await driver.start(spec);
      assert.equal(await driver.status(spec.id), 'running');
      await driver.start(spec);
      assert.equal(await driver.status(spec.id), 'running');
      await booted(spec.id);
      const m = await driver.metrics(spec.id);
      assert.ok(m.memoryUsedBytes > 0, 'a running VM uses memory');
      await driver.stop(spec.id, { force: false });
      assert.equal(await driver.status(spec.id), 'stopped');
      await driver.stop(spec.id, { force: false });
      assert.equal(await driver.status(spec.id), 'stopped');
      assert.equal((await driver.metrics(spec.id)).memoryUsedBytes, 0, 'a stopped VM uses no memory');
      await driver.destroy(spec.id);
      assert.equal(await driver.status(spec.id), 'absent');
    },
  },
  {
    name: 'reboot keeps a VM running; forced stop stops it; start brings it back; destroy of a running VM removes it',
    async run({ driver, spec }) {
      await driver.start(spec);
      await driver.reboot(spec);
      assert.equal(await driver.status(spec.id), 'running');
      await driver.stop(spec.id, { force: true });
      assert.equal(await driver.status(spec.id), 'stopped');
      await driver.start(spec);
      assert.equal(await driver.status(spec.id), 'running');
      await driver.stop(spec.id, { force: true });
      await driver.destroy(spec.id);
      assert.equal(await driver.status(spec.id), 'absent');
    },
  },
  {
    name: 'attaching and detaching a data volume keeps the VM in its power state',
    async run({ driver, spec, booted }) {
      await driver.start(spec);
      await booted(spec.id);
      const vol = { id: `${spec.id}-d1`, deviceId: 1, size: 1024 * 1024, type: 'DATADISK' as const, templateId: null };
      await driver.attachVolume(spec.id, vol);
      assert.equal(await driver.status(spec.id), 'running');
      await driver.detachVolume(spec.id, vol.id);
      assert.equal(await driver.status(spec.id), 'running');
      await driver.destroy(spec.id);
      assert.equal(await driver.status(spec.id), 'absent');
    },
  },
  {
    name: 'every host answers when no fault is set',
    async run({ driver, spec }) {
      assert.deepEqual(await driver.unreachableHosts(), []);
      assert.equal(await driver.hostReachable(spec.hostId), true);
    },
  },
];
