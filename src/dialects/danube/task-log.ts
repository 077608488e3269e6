/** The task log as Danube shows it: core entries with Danube's task ids, messages, object types and flags. */
import type { Core } from '../../core/core.js';
import type { TaskLogEntry } from '../../core/tasks-log/service.js';
import type { DanubeDc } from './request.js';
import { danubeTaskId, dummyTaskId } from './task-ids.js';
import { doneMessage } from './task-status.js';

/** Danube object types of core object types. */
export const OBJECT_TYPES: Readonly<Record<string, string>> = {
  'virtual machine': 'vm',
  volume: 'vm',
  snapshot: 'vm',
  host: 'node',
  network: 'subnet',
  template: 'vmtemplate',
  iso: 'iso',
  image: 'image',
  user: 'user',
  'ssh key': 'user',
  domain: 'domain',
  'dns domain': 'domain',
  'dns record': 'domain',
};

/** How messages name core object types whose Danube type is too coarse (both DNS types are Danube's "domain"). */
const MESSAGE_NOUNS: Readonly<Record<string, string>> = {
  'dns domain': 'DNS domain',
  'dns record': 'DNS record',
};

/** Log messages of core actions. */
const MESSAGES: Readonly<Record<string, string>> = {
  'vm.create': 'Create server',
  'vm.start': 'Start server',
  'vm.stop': 'Stop server',
  'vm.reboot': 'Reboot server',
  'vm.destroy': 'Delete server',
  'vm.undeploy': 'Delete server',
  'vm.migrate': 'Migrate server',
  'vm.update': 'Update server',
  'snapshot.create': "Create snapshot of server's disk",
  'snapshot.revert': "Rollback snapshot of server's disk",
  'snapshot.delete': "Delete snapshot of server's disk",
  callback: 'Remote callback response',
};

/** The message of an entry: a known action's text, else a verb and the object type (sync.update → "Update vm"). */
function messageOf(e: TaskLogEntry, objectType: string): string {
  const known = MESSAGES[e.action];
  if (known) return known;
  const verb = e.action.replace(/^sync\./, '').replace(/[._]/g, ' ');
  const what = MESSAGE_NOUNS[e.objectType] ?? (objectType === 'vm' ? 'server' : objectType);
  return `${verb.charAt(0).toUpperCase()}${verb.slice(1)} ${what}`.replace(/^Sync /, 'Update ');
}

/** The flag of a message: 1 create, 2 delete, 3 update, 4 remote, 0 other. */
function flagOf(msg: string): number {
  if (/^(Add|Create|Recreate|Import|Define)/.test(msg)) return 1;
  if (/^(Remove|Delete|Invalid)/.test(msg)) return 2;
  if (/^(Update|Rollback|Restore|Revert)/.test(msg)) return 3;
  if (/^Remote/.test(msg)) return 4;
  return 0;
}

/** Danube's view of log entries (numbers of their users resolved in one call). */
export async function logEntries(
  core: Core,
  dc: DanubeDc,
  entries: TaskLogEntry[],
): Promise<Record<string, unknown>[]> {
  const userIds = [...new Set(entries.map((e) => e.userId).filter((u): u is string => u !== null))];
  const numbers = await core.aliases.numbers('user', 'danube', userIds);
  return entries.map((e) => {
    const user = { number: (e.userId && numbers.get(e.userId)) || 7 };
    const type = OBJECT_TYPES[e.objectType] ?? e.objectType;
    const msg = messageOf(e, type);
    const sync = e.action.startsWith('sync');
    return {
      time: e.created,
      task: e.taskId ? (sync ? dummyTaskId(user, dc, e.taskId) : danubeTaskId(user, dc, e.taskId)) : null,
      status: e.status === 'STARTED' ? 'PENDING' : e.status,
      username: e.username ?? '_system',
      msg,
      detail:
        e.detail ||
        (e.status === 'SUCCESS' && !sync && e.action !== 'callback'
          ? doneMessage(e.action, e.objectName ?? e.objectId)
          : ''),
      object_name: e.objectName ?? e.objectId,
      object_alias: e.objectName ?? e.objectId,
      object_type: type,
      flag: flagOf(msg),
    };
  });
}
