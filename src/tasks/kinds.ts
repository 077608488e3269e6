/** Task kinds, stored in the database: append-only, never renamed or reused. */
export const TASK_KINDS = [
  'vm.create',
  'vm.start',
  'vm.stop',
  'vm.reboot',
  'vm.destroy',
  'vm.restore',
  'vm.scale',
  'vm.reset_password',
  'vm.nic_add',
  'vm.nic_remove',
  'volume.attach',
  'volume.detach',
  'volume.resize',
  'snapshot.create',
  'snapshot.revert',
  'sync',
  'vm.undeploy',
  'backup.create',
  'backup.restore',
  'vm.migrate',
  'pool.reconcile',
] as const;

/** One kind of task. */
export type TaskKind = (typeof TASK_KINDS)[number];
