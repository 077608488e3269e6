/** The table `npm run bench` writes into BENCHMARKS.md; with BENCH_ONLY, the rows and notes of the parts not run are kept. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The parts of the bench, in table order (BENCH_ONLY names them). */
export const PARTS = ['ready', 'list', 'deploy', 'deploy-pg', 'scale', 'state', 'drives', 'qemu', 'auth'] as const;
/** One part of the bench. */
export type Part = (typeof PARTS)[number];

/** One figure of the table. */
export interface Figure {
  part: Part;
  name: string;
  value: string;
  goal: string;
  ok: boolean | null;
}
/** One note under the table (part null: about the whole run). */
export interface Note {
  part: Part | null;
  text: string;
}

const PART_OF_LABEL: Record<string, Part> = {
  '(d)': 'ready',
  '(a)': 'list',
  "(a')": 'list',
  '(c)': 'scale',
  "(c')": 'scale',
  "(d')": 'scale',
  '(b)': 'deploy',
  "(b')": 'deploy',
  '(h)': 'deploy-pg',
  "(h')": 'deploy-pg',
  '(e)': 'drives',
  '(f)': 'qemu',
  "(f')": 'qemu',
  '(g)': 'auth',
};
const NOTE_PREFIX: Array<[string, Part]> = [
  ['List run', 'list'],
  ['Deploy run (postgres)', 'deploy-pg'],
  ['Deploy run', 'deploy'],
  ['Deploys (postgres)', 'deploy-pg'],
  ['Deploys (sqlite)', 'deploy'],
  ['Drive figures', 'drives'],
  ['qemu', 'qemu'],
  ['Sign-in flood', 'auth'],
];
const SECTION = /<!-- bench:start -->([\s\S]*)<!-- bench:end -->/;

/** A figure as a table row. */
export function row(f: Figure): string {
  return `| ${f.name} | ${f.value} | ${f.goal} | ${f.ok === null ? '' : f.ok ? 'met' : '**missed**'} |`;
}

/** The markdown table of these rows. */
export function table(rows: string[]): string {
  return ['| figure | value | goal | |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Header lines, rows and notes of the section the file holds now. */
function previousSection(file: string): {
  runLine: string | null;
  partialLines: string[];
  rows: Array<{ part: Part | null; line: string }>;
  notes: Note[];
} {
  const m = existsSync(file) ? SECTION.exec(readFileSync(file, 'utf8')) : null;
  const out = {
    runLine: null as string | null,
    partialLines: [] as string[],
    rows: [] as Array<{ part: Part | null; line: string }>,
    notes: [] as Note[],
  };
  for (const line of (m?.[1] ?? '').split('\n')) {
    if (line.startsWith('Run of ')) out.runLine = line;
    else if (line.startsWith('Rows of ')) out.partialLines.push(line);
    else if (line.startsWith('| ('))
      out.rows.push({ part: PART_OF_LABEL[/^\| (\([a-z]'?\))/.exec(line)?.[1] ?? ''] ?? null, line });
    else if (line.startsWith('- ')) {
      const text = line.slice(2);
      out.notes.push({ part: NOTE_PREFIX.find(([prefix]) => text.startsWith(prefix))?.[1] ?? null, text });
    }
  }
  return out;
}

/** Writes the section between the markers of file; with `only` set, rows and notes of the other parts stay as they were. */
export function writeMarkdown(
  file: string,
  run: { date: string; mach: string; figures: Figure[]; notes: Note[]; only: string[] },
): void {
  let headers = [`Run of ${run.date} on ${run.mach}.`];
  let rows = run.figures.map(row);
  let notes = run.notes.map((n) => n.text);
  if (run.only.length) {
    const selected = (p: Part | null) => p !== null && run.only.includes(p);
    const old = previousSection(file);
    const only = run.only.join(',');
    headers = [
      ...(old.runLine ? [old.runLine] : []),
      ...old.partialLines.filter((l) => !l.includes(`BENCH_ONLY=${only} `)),
      `Rows of ${only} from a BENCH_ONLY=${only} run of ${run.date} on ${run.mach}.`,
    ];
    rows = [];
    for (const p of PARTS)
      rows.push(
        ...(selected(p)
          ? run.figures.filter((f) => f.part === p).map(row)
          : old.rows.filter((r) => r.part === p).map((r) => r.line)),
      );
    rows.push(...old.rows.filter((r) => r.part === null).map((r) => r.line));
    const fresh = new Set(notes);
    notes = [...old.notes.filter((n) => !selected(n.part) && !fresh.has(n.text)).map((n) => n.text), ...notes];
  }
  const section = [
    '<!-- bench:start -->',
    headers.join('\n\n'),
    '',
    table(rows),
    '',
    ...notes.map((n) => `- ${n}`),
    '<!-- bench:end -->',
  ].join('\n');
  const head =
    '# Benchmarks\n\nFigures written by `npm run bench` (bench/run.ts); the text outside the markers is kept between runs.\n\n';
  const old = existsSync(file) ? readFileSync(file, 'utf8') : `${head}<!-- bench:start -->\n<!-- bench:end -->\n`;
  const next = SECTION.test(old) ? old.replace(SECTION, () => section) : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}
