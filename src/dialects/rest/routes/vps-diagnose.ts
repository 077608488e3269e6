/** GET /vps/{id}/diagnose: a verdict and ranked findings for a VPS, from its state and its recent task log. */
import { Type } from '@sinclair/typebox';
import { nullable } from '../nullable.js';
import type { Core } from '../../../core/core.js';
import type { TaskLogEntry } from '../../../core/tasks-log/service.js';
import { ctxOf } from '../auth.js';
import { COMMON_ERRORS, UuidParams } from '../envelope.js';
import { statusDetails, statusOf, type VpsStatus } from '../vps-view.js';
import type { RestApp } from '../app-type.js';

/** How many recent task log entries a diagnosis reads. */
const WINDOW = 50;

const Finding = Type.Object({
  code: Type.String(),
  severity: Type.String(),
  summary: Type.String(),
  remediation: nullable(Type.String()),
  retryable: Type.Boolean(),
});

/** One finding. */
type FindingShape = { code: string; severity: string; summary: string; remediation: string | null; retryable: boolean };

/** Severity order: what needs acting on first. */
const RANK: Record<string, number> = { fatal: 0, action_required: 1, transient_recovered: 2, informational: 3 };

/** The findings of a VPS in this status with these recent entries (newest first). */
function findingsOf(status: VpsStatus, entries: TaskLogEntry[]): FindingShape[] {
  const out: FindingShape[] = [];
  if (status === 'error')
    out.push({
      code: 'vps.error_state',
      severity: 'fatal',
      summary: 'The VPS is in an error state.',
      remediation: 'Reinstall the VPS or delete it and create it again.',
      retryable: false,
    });
  if (status === 'stopped')
    out.push({
      code: 'vps.stopped',
      severity: 'informational',
      summary: 'The VPS is stopped.',
      remediation: 'Start it when it should serve again.',
      retryable: true,
    });
  const lastOk = new Map<string, string>();
  for (const e of entries) if (e.status === 'SUCCESS' && !lastOk.has(e.action)) lastOk.set(e.action, e.created);
  for (const e of entries.filter((x) => x.status === 'FAILURE')) {
    const recovered = (lastOk.get(e.action) ?? '') > e.created;
    out.push({
      code: `vps.${e.action.replace(/^vm\./, '')}_failed`,
      severity: recovered ? 'transient_recovered' : 'action_required',
      summary: `${e.action} failed at ${e.created}${e.detail ? `: ${e.detail}` : ''}`,
      remediation: recovered ? null : 'Retry the action; if it fails again, check the host or contact the operator.',
      retryable: true,
    });
  }
  return out.sort((a, b) => RANK[a.severity]! - RANK[b.severity]!);
}

/** GET /vps/{id}/diagnose. */
export function vpsDiagnoseRoute(app: RestApp, core: Core): void {
  app.get(
    '/vps/:id/diagnose',
    {
      schema: {
        summary: 'Diagnose a VPS instance: a verdict and ranked findings',
        tags: ['VPS'],
        security: [{ bearerAuth: [] }],
        params: UuidParams,
        response: {
          200: Type.Object({
            success: Type.Boolean(),
            data: Type.Object({
              verdict: Type.String(),
              status: Type.Unknown(),
              findings: Type.Array(Finding),
              sections: Type.Object({
                events: Type.Object({ available: Type.Boolean(), count: Type.Integer(), truncated: Type.Boolean() }),
                logs: Type.Null(),
              }),
            }),
            error: Type.Null(),
            meta: Type.Object({}),
          }),
          ...COMMON_ERRORS,
        },
      },
    },
    async (req) => {
      const ctx = ctxOf(req, 'vps/diagnose');
      const vm = await core.vms.get(ctx, req.params.id);
      const log = await core.tasks.log(ctx, { objectId: vm.id, newestFirst: true }, { page: 1, pageSize: WINDOW });
      const status = statusOf(vm);
      const findings = findingsOf(status, log.items);
      const worst = findings[0]?.severity;
      const verdict =
        worst === 'fatal'
          ? 'failed'
          : worst === 'action_required'
            ? 'degraded'
            : status === 'running'
              ? 'healthy'
              : status;
      return {
        success: true,
        data: {
          verdict,
          status: statusDetails(vm, status),
          findings,
          sections: { events: { available: true, count: log.items.length, truncated: log.count > WINDOW }, logs: null },
        },
        error: null,
        meta: {},
      };
    },
  );
}
