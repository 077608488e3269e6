/** How listing and showing commands print: a table for people (cli-table3), or JSON with stable keys under --json. */
import Table from 'cli-table3';

/** One column of a table: its heading and how a row's cell reads. */
export interface Column<T> {
  head: string;
  cell: (row: T) => unknown;
}

/** The text of a cell: empty for null or undefined, JSON for objects, the value otherwise. */
function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A table without colours (so piped output stays plain); cli-table3 measures wide characters for us. */
function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

/** Prints rows as a table, or their JSON forms as one array when json is set. */
export function printList<T>(rows: T[], columns: Column<T>[], json: boolean, toJson: (row: T) => unknown): void {
  if (json) {
    process.stdout.write(JSON.stringify(rows.map(toJson), null, 2) + '\n');
    return;
  }
  const t = table(columns.map((c) => c.head));
  for (const r of rows) t.push(columns.map((c) => text(c.cell(r))));
  process.stdout.write(rows.length ? t.toString() + '\n' : '(none)\n');
}

/** Prints one object as a two-column field/value table, or as JSON when json is set. */
export function printRecord(record: Record<string, unknown>, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(record, null, 2) + '\n');
    return;
  }
  const t = new Table({ style: { head: [], border: [] } });
  for (const [k, v] of Object.entries(record)) t.push({ [k]: text(v) });
  process.stdout.write(t.toString() + '\n');
}
