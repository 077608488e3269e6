/** The QEMU command line of a VM, and the accelerator choice: KVM when /dev/kvm really works, TCG otherwise. */
import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import type { VmSpec } from '../driver.js';
import type { VmPaths } from './process.js';

/** The emulator binary. */
export const QEMU_BINARY = 'qemu-system-x86_64';

/** Which accelerator runs guests. */
export type Accel = 'kvm' | 'tcg';

/** Boot files of a template. */
export interface BootFiles {
  kernel: string;
  initrd: string;
}

let probed: Promise<Accel> | undefined;

/** Chooses the accelerator once per process: 'auto' probes KVM (open /dev/kvm, then a bounded QEMU run), else as told. */
export function chooseAccel(want: 'auto' | 'kvm' | 'tcg'): Promise<Accel> {
  if (want !== 'auto') return Promise.resolve(want);
  probed ??= probeKvm().then((ok) => (ok ? 'kvm' : 'tcg'));
  return probed;
}

/** True when /dev/kvm opens read-write and a KVM guest with the host CPU model keeps running for a second (nested setups can fail or hang). */
async function probeKvm(): Promise<boolean> {
  try {
    const fh = await fs.open('/dev/kvm', constants.O_RDWR);
    await fh.close();
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    const child = spawn(
      QEMU_BINARY,
      [
        '-accel',
        'kvm',
        '-cpu',
        'host',
        '-machine',
        'pc',
        '-nodefaults',
        '-display',
        'none',
        '-m',
        '16',
        '-qmp',
        'stdio',
      ],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    let out = '';
    let done = false;
    let asked = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), 10000);
    child.on('error', () => finish(false));
    child.on('exit', () => finish(false));
    child.stdin.on('error', () => finish(false));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (!asked && /"enabled":\s*true/.test(out)) {
        asked = true;
        setTimeout(() => child.stdin.write('{"execute":"query-status"}\n'), 1000);
      }
      if (asked && /"status":\s*"running"/.test(out)) finish(true);
      if (/"status":\s*"(internal-error|shutdown|guest-panicked)"/.test(out)) finish(false);
    });
    child.stdin.write('{"execute":"qmp_capabilities"}\n{"execute":"query-kvm"}\n');
  });
}

/** The kernel command line: serial console, quiet boot, the guest's hostname. */
function kernelArgs(spec: VmSpec): string {
  const host = spec.hostname.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 63) || 'nube-guest';
  return `console=ttyS0 quiet panic=-1 nube.hostname=${host} nube.id=${spec.id}`;
}

/** A qcow2 disk of the VM: its volume, image file and block node name (QMP addresses the disk by it). */
export interface DiskFile {
  volumeId: string;
  path: string;
  node: string;
}

/** Everything after the binary name (without -daemonize): machine, accelerator, boot files, disks (root first), console, QMP, pidfile. */
export function qemuArgs(spec: VmSpec, paths: VmPaths, accel: Accel, boot: BootFiles, disks: DiskFile[]): string[] {
  const args = [
    '-name',
    `nube-${spec.id}`,
    '-machine',
    'pc',
    '-accel',
    accel,
    ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp',
    String(Math.max(1, spec.cpus)),
    '-m',
    String(Math.max(64, spec.memoryMb)),
    '-nodefaults',
    '-display',
    'none',
    '-serial',
    `file:${paths.console}`,
    '-kernel',
    boot.kernel,
    '-initrd',
    boot.initrd,
    '-append',
    kernelArgs(spec),
  ];
  for (const d of disks) {
    args.push(
      '-blockdev',
      `driver=qcow2,node-name=${d.node},file.driver=file,file.filename=${opt(d.path)},discard=unmap`,
    );
    args.push('-device', diskDevice(d));
  }
  args.push('-drive', `file=${opt(paths.config)},format=raw,if=virtio,readonly=on,id=config`);
  if (!spec.nics.length) args.push('-nic', 'none');
  [...spec.nics].sort((a, b) => a.deviceId - b.deviceId).forEach((nic, i) => args.push(...nicArgs(nic, i, paths)));
  args.push('-qmp', `unix:${paths.qmp},server=on,wait=off`, '-pidfile', paths.pidfile);
  return args;
}

/** A value inside a QEMU option list: commas are doubled. */
function opt(value: string): string {
  return value.replace(/,/g, ',,');
}

/** The virtio disk device of a block node, as on the command line and in device_add. */
export function diskDevice(d: DiskFile): string {
  return `virtio-blk-pci,id=dev-${d.node},drive=${d.node},share-rw=on,serial=${d.volumeId.replace(/-/g, '').slice(0, 20)}`;
}

/** A user-mode (slirp) NIC with the VM's MAC, whose DHCP hands out the VM's own address; both directions are counted by pcap. */
function nicArgs(nic: VmSpec['nics'][number], i: number, paths: VmPaths): string[] {
  let user = `user,id=net${i},restrict=on`;
  const octets = nic.ip?.split('.').map(Number);
  if (
    octets?.length === 4 &&
    octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255) &&
    octets[3]! >= 1 &&
    octets[3]! <= 254
  ) {
    const net = octets.slice(0, 3).join('.');
    const [host, dns] = [1, 254, 253].filter((o) => o !== octets[3]);
    user += `,net=${net}.0/24,host=${net}.${host},dns=${net}.${dns},dhcpstart=${nic.ip}`;
  }
  const files = netFiles(paths, i);
  return [
    '-netdev',
    user,
    '-device',
    `virtio-net-pci,id=nic${i},netdev=net${i},mac=${nic.mac}`,
    '-object',
    `filter-dump,id=tx${i},netdev=net${i},queue=rx,maxlen=1,file=${opt(files.tx)}`,
    '-object',
    `filter-dump,id=rx${i},netdev=net${i},queue=tx,maxlen=1,file=${opt(files.rx)}`,
  ];
}

/** The pcap files counting what NIC i sent (tx) and received (rx). */
export function netFiles(paths: VmPaths, i: number): { rx: string; tx: string } {
  return { rx: `${paths.dir}/net${i}-rx.pcap`, tx: `${paths.dir}/net${i}-tx.pcap` };
}
