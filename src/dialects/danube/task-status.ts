/** A task's status as Danube shows it (GET /task/<id>/status/, ES-STREAM's last line, callbacks): HTTP code and body. */
import type { Core } from '../../core/core.js';
import type { JobView } from '../../core/tasks-log/jobs.js';
import type { CallContext } from '../../lib/context.js';

/** HTTP code per task state: pending and started 201, success 200, failure 400, revoked 410. */
const CODE: Record<JobView['status'], number> = {
  PENDING: 201,
  STARTED: 201,
  SUCCESS: 200,
  FAILURE: 400,
  REVOKED: 410,
};

/** Result messages of finished tasks by kind ({name} is the object's name). */
const DONE_MESSAGES: Readonly<Record<string, string>> = {
  'vm.create': 'Successfully created VM {name}',
  'vm.start': 'Successfully started VM {name}',
  'vm.stop': 'Successfully completed stop of VM {name}',
  'vm.reboot': 'Successfully completed reboot of VM {name}',
  'vm.destroy': 'Successfully deleted VM {name}',
  'vm.undeploy': 'Successfully deleted VM {name}',
  'vm.migrate': 'Successfully migrated VM {name}',
  'snapshot.create': 'Snapshot successfully created',
  'snapshot.revert': 'Successfully rolled back snapshot',
  'snapshot.delete': 'Snapshot successfully deleted',
  'backup.create': 'Backup successfully created',
  'backup.restore': 'Backup successfully restored',
};

/** The message of a finished task of this kind on the named object. */
export function doneMessage(kind: string, name: string): string {
  return (DONE_MESSAGES[kind] ?? `Successfully completed ${kind} of {name}`).replace('{name}', name);
}

/** The name a task's object is shown by (a VM's hostname), or its id. */
async function objectName(core: Core, ctx: CallContext, job: JobView): Promise<string> {
  if (job.objectType !== 'virtual machine') return job.objectId;
  try {
    return (await core.vms.get(ctx, job.objectId, { includeRemoved: true })).name;
  } catch {
    return job.objectId;
  }
}

/** The result Danube shows for a job: null while it runs, {message, returncode} when done, with detail on failure. */
async function danubeResult(core: Core, ctx: CallContext, job: JobView): Promise<unknown> {
  if (job.status === 'PENDING' || job.status === 'STARTED') return null;
  if (job.status === 'REVOKED') return 'terminated';
  const name = await objectName(core, ctx, job);
  if (job.status === 'FAILURE') {
    const message = job.error?.message ?? 'The task failed';
    return { returncode: 1, message, detail: message };
  }
  return { message: doneMessage(job.kind, name), returncode: 0 };
}

/** The status answer of a job known to Danube by danubeId. */
export async function taskStatus(
  core: Core,
  ctx: CallContext,
  job: JobView,
  danubeId: string,
): Promise<{ code: number; body: { task_id: string; status: string; result: unknown } }> {
  const status = job.status === 'STARTED' ? 'STARTED' : job.status;
  return { code: CODE[job.status], body: { task_id: danubeId, status, result: await danubeResult(core, ctx, job) } };
}
