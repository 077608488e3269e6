/** Cron schedules of snapshot and backup definitions: five fields (minute hour day month weekday), in UTC, via cron-parser. */
import { CronExpressionParser } from 'cron-parser';
import { invalid } from '../../lib/errors.js';

/** Refuses anything but a valid five-field cron expression (Invalid on `schedule`); returns it trimmed. */
export function checkCron(schedule: string): string {
  const text = schedule.trim().replace(/\s+/g, ' ');
  if (text.split(' ').length !== 5)
    throw invalid('A schedule is a cron expression of five fields: minute hour day month weekday', 'schedule');
  try {
    CronExpressionParser.parse(text, { tz: 'UTC' });
  } catch (err) {
    throw invalid(`Invalid cron schedule: ${(err as Error).message}`, 'schedule');
  }
  return text;
}

/** The first time the schedule fires strictly after `after` (whole minutes, UTC). */
export function nextRun(schedule: string, after: Date): Date {
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: 'UTC' }).next().toDate();
}
