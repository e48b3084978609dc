import type { ReportData } from './report-data.js';
import { type Column, columnGroups, type Table, type TableCell } from './table.js';

const mark = (c: TableCell) => (c.sig === 'better' ? '†' : c.sig === 'worse' ? '‡' : '');
const header = (c: Column, many: boolean) => (many && c.dataset ? `${c.dataset} ${c.title}` : c.title);

/** Markdown: prints in a terminal and pastes into a pull request. */
export function renderMarkdown(data: ReportData, table: Table): string {
  const many = data.datasets.length > 1;
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  if (table.empty) return `## ${esc(data.title)}\n\n${table.empty}\n`;
  const lines = [
    `## ${esc(data.title)}`,
    '',
    `| run | ${table.columns.map((c) => esc(header(c, many))).join(' | ')} |`,
    `|---|${table.columns.map(() => '---:').join('|')}|`,
  ];
  for (const r of table.rows) {
    const cells = r.cells.map((c) => (c.best ? `**${c.text}**${mark(c)}` : `${c.text}${mark(c)}`));
    lines.push(`| ${esc(r.label)} | ${cells.join(' | ')} |`);
  }
  if (!many && data.datasets[0]) lines.push('', `Dataset: ${data.datasets[0]}.`);
  lines.push('', ...table.legend.map((l) => `_${l}_`));
  return `${lines.join('\n')}\n`;
}

/** CSV for spreadsheets and scripts: full-precision values, and the adjusted p-value of each tested cell. */
export function renderCsv(_data: ReportData, table: Table): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const tested = table.columns.map((c, j) => table.rows.some((r) => r.cells[j]?.p !== null) && c.kind === 'measure');
  const head = ['run'];
  table.columns.forEach((c, j) => {
    const name = c.dataset ? `${c.dataset}:${c.title}` : c.title;
    head.push(name);
    if (tested[j]) head.push(`${name}:p`);
  });
  const lines = [head.map(q).join(',')];
  for (const r of table.rows) {
    const out = [r.label];
    r.cells.forEach((c, j) => {
      out.push(c.value === null ? '' : String(c.value));
      if (tested[j]) out.push(c.p === null ? '' : String(c.p));
    });
    lines.push(out.map(q).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** LaTeX's special characters, and the Unicode ones OT1 cannot print (`<` comes out as ¡), as LaTeX. */
const TEX: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  _: '\\_',
  '%': '\\%',
  '&': '\\&',
  '#': '\\#',
  $: '\\$',
  '^': '\\textasciicircum{}',
  '~': '\\textasciitilde{}',
  '<': '$<$',
  '>': '$>$',
  '|': '$|$',
  '†': '$^\\dagger$',
  '‡': '$^\\ddagger$',
  '–': '--',
  '—': '---',
  '−': '$-$',
  '≤': '$\\le$',
  '≥': '$\\ge$',
  '×': '$\\times$',
  Δ: '$\\Delta$',
  '…': '\\ldots{}',
};

/** Text as LaTeX: specials escaped, `p < 0.05` as math. */
export function tex(s: string): string {
  return s
    .split(/(\bp < [\d.e-]+)/)
    .map((part, i) => (i % 2 ? `$p<${part.slice(4)}$` : part.replace(/[\\{}_%&#$^~<>|†‡–—−≤≥×Δ…]/g, (c) => TEX[c] as string)))
    .join('');
}

/** LaTeX with booktabs: a header row per dataset over its measures, best values bold, markers as daggers. */
export function renderLatex(data: ReportData, table: Table): string {
  // an empty report is a comment: a file \input into a paper adds no table of dashes
  if (table.empty) return `% ${`${data.title}: ${table.empty}`.replace(/\n/g, ' ')}\n`;
  const cols = table.columns;
  const groups = columnGroups(cols, 'Cost');
  const lines = [
    '% needs \\usepackage{booktabs}',
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{${tex(data.title)}. ${table.legend.map(tex).join(' ')}}`,
    `\\begin{tabular}{l${'r'.repeat(cols.length)}}`,
    '\\toprule',
  ];
  let at = 2;
  const rules: string[] = [];
  lines.push(
    ` & ${groups
      .map((g) => {
        rules.push(`\\cmidrule(lr){${at}-${at + g.span - 1}}`);
        at += g.span;
        return `\\multicolumn{${g.span}}{c}{${tex(g.name)}}`;
      })
      .join(' & ')} \\\\`,
  );
  lines.push(rules.join(' '));
  lines.push(`Run & ${cols.map((c) => tex(c.title)).join(' & ')} \\\\`, '\\midrule');
  for (const r of table.rows) {
    const cells = r.cells.map((c) => {
      const v = c.text === '–' ? '--' : c.best ? `\\textbf{${c.text}}` : c.text;
      return `${v}${c.sig === 'better' ? '$^\\dagger$' : c.sig === 'worse' ? '$^\\ddagger$' : ''}`;
    });
    lines.push(`${tex(r.label)} & ${cells.join(' & ')} \\\\`);
  }
  lines.push('\\bottomrule', '\\end{tabular}', '\\end{table}');
  return `${lines.join('\n')}\n`;
}

/** Everything the report shows, for scripts: the table with p-values, and the series behind the plots. */
export function renderJson(data: ReportData, table: Table): string {
  return `${JSON.stringify(
    {
      experiment: data.experiment,
      title: data.title,
      message: table.empty,
      datasets: data.datasets,
      measures: data.measures,
      measures_by_dataset: data.measuresByDataset,
      baseline: data.baseline,
      teacher: data.teacher,
      students: data.students ?? (data.student ? [data.student] : []),
      columns: table.columns,
      rows: table.rows.map((r, i) => ({
        label: r.label,
        variants: data.rows[i]?.variants,
        settings: data.rows[i]?.settings,
        price: data.rows[i]?.cost?.price ?? null,
        // why a value is missing (or a known zero): the legend's reason and what it is about
        cells: r.cells.map((c) => ({
          value: c.value,
          best: c.best,
          sig: c.sig,
          p: c.p,
          why: c.note ? `${c.note.reason}: ${c.note.who}` : null,
        })),
      })),
      legend: table.legend,
      curves: { axis: data.axis, measure: data.measureCurves, pairs: data.pairCurves },
      training: data.training,
      not_drawn: data.notDrawn ?? [],
      missing: data.missing,
    },
    null,
    2,
  )}\n`;
}
