import type { Diagnostic } from '../config/diagnostics.js';
import { type SourceMap, toPointer } from '../config/source-map.js';
import { didYouMean } from '../config/suggest.js';
import type { ExperimentDoc } from '../config/types.js';
import { parseIrMeasure } from '../eval/measure-spec.js';
import { splitStageRef } from '../stages/contract.js';
import { stageRefs, upstreamStages } from '../stages/references.js';
import { stageKind } from '../stages/registry.js';
import { stageScope } from '../stages/scope.js';

/** Checks the schema cannot express: stage references, cycles, and each kind's own checks. */
export function checkStages(
  doc: ExperimentDoc,
  map: SourceMap,
  variant: string,
  root: string,
  /** Stages the schema already rejected: only their references are checked. */
  invalid: ReadonlySet<string> = new Set(),
  /** Names of stage families: a reference to one where one stage is expected is reported where families are expanded. */
  families: ReadonlySet<string> = new Set(),
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!doc.stages || typeof doc.stages !== 'object') return out;
  const names = Object.keys(doc.stages);

  for (const [name, decl] of Object.entries(doc.stages)) {
    if (!decl || typeof decl !== 'object') continue;
    for (const ref of stageRefs(decl, doc)) {
      const where = {
        pos: map.locate(`/stages/${name}${ref.ptr}`),
        path: `stages.${name}${ref.ptr.replace(/\/(\d+)$/, '[$1]').replace(/\//g, '.')}`,
      };
      if (ref.stage === name) {
        out.push({ ...where, message: `stage '${name}' cannot read its own output` });
      } else if (!(ref.stage in doc.stages) && !families.has(ref.stage)) {
        const others = names.filter((n) => n !== name);
        out.push({ ...where, message: `unknown stage '${ref.stage}'${didYouMean(ref.stage, others, 'one of the stages')}` });
      }
    }
    if (!invalid.has(name)) out.push(...stageKind(decl.kind).check(stageScope(doc, map, name, variant, root), decl));
  }

  for (const cycle of findCycles(doc)) {
    const first = cycle[0] as string;
    const next = cycle[1] as string;
    const ref = stageRefs(doc.stages[first], doc).find((r) => r.stage === next);
    out.push({
      pos: map.locate(`/stages/${first}${ref?.ptr ?? ''}`),
      path: `stages.${first}${(ref?.ptr ?? '').replace(/\/(\d+)$/, '[$1]').replace(/\//g, '.')}`,
      message: `cycle between stages: ${[...cycle].reverse().join(' → ')}; a stage cannot depend on its own outputs`,
    });
  }
  out.push(...checkReport(doc, map));
  return out;
}

/** `report:` names evaluate stages as rows, and rows as baseline, teacher and student; a gate has a limit. */
function checkReport(doc: ExperimentDoc, map: SourceMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  const gates = doc.gates as { checks?: { min?: number; max?: number; max_drop?: number }[] } | undefined;
  (gates?.checks ?? []).forEach((g, i) => {
    if (g && g.min === undefined && g.max === undefined && g.max_drop === undefined)
      out.push({ pos: map.locate(`/gates/checks/${i}`), path: `gates.checks[${i}]`, message: 'a gate needs min, max or max_drop' });
  });
  const report = doc.report as
    | {
        rows?: Record<string, string | string[]>;
        baseline?: string;
        teacher?: string;
        student?: string;
        measures?: string[];
        dataset_measures?: Record<string, string[]>;
      }
    | undefined;
  if (!report || typeof report !== 'object') return out;
  const evaluates = Object.keys(doc.stages).filter((n) => doc.stages[n]?.kind === 'evaluate');
  const rows = report.rows ? Object.keys(report.rows) : evaluates;
  for (const [row, stages] of Object.entries(report.rows ?? {})) {
    const list = typeof stages === 'string' ? [stages] : Array.isArray(stages) ? stages : [];
    list.forEach((s, i) => {
      const ptr = toPointer(typeof stages === 'string' ? ['report', 'rows', row] : ['report', 'rows', row, i]);
      const kind = doc.stages[s]?.kind;
      if (kind === 'evaluate') {
        // a column the report asks for must be computed by every evaluate stage of the row, or its cell stays empty
        const missing = uncomputed(doc, s, report);
        if (missing.wanted.length > 0)
          out.push({
            pos: map.locate(ptr),
            path: `report.rows.${row}`,
            message: `stage '${s}' (dataset ${missing.dataset}) does not compute ${missing.wanted.join(', ')}, which the report shows for ${missing.dataset} (it computes ${missing.computed.join(', ')}): add ${missing.wanted.length === 1 ? 'it' : 'them'} to its measures, or give the report's measures for ${missing.dataset} in report.dataset_measures`,
          });
        return;
      }
      out.push({
        pos: map.locate(ptr),
        path: `report.rows.${row}`,
        message:
          kind === undefined
            ? `unknown stage '${s}'${didYouMean(s, evaluates, 'one of the evaluate stages')}`
            : `stage '${s}' is ${kind}: a report row shows evaluate stages`,
      });
    });
  }
  for (const key of ['baseline', 'teacher', 'student'] as const) {
    const name = report[key];
    if (typeof name === 'string' && !rows.includes(name))
      out.push({
        pos: map.locate(`/report/${key}`),
        path: `report.${key}`,
        message: `no report row '${name}'${didYouMean(name, rows, 'one of the rows')}`,
      });
  }
  return out;
}

/** The report's measures for an evaluate stage's dataset that the stage does not compute (as labels). */
function uncomputed(
  doc: ExperimentDoc,
  stage: string,
  report: { measures?: string[]; dataset_measures?: Record<string, string[]> },
): { dataset: string; wanted: string[]; computed: string[] } {
  const decl = doc.stages[stage] as { measures?: unknown; qrels?: unknown };
  const label = (m: string) => {
    try {
      return parseIrMeasure(m).label;
    } catch {
      return m; // reported at the measure itself
    }
  };
  const computed = Array.isArray(decl.measures) ? decl.measures.filter((m): m is string => typeof m === 'string').map(label) : [];
  const qrels = typeof decl.qrels === 'string' ? splitStageRef(decl.qrels, 'qrels').stage : '';
  const dataset = typeof doc.stages[qrels]?.dataset === 'string' ? (doc.stages[qrels]?.dataset as string) : qrels;
  const wanted = (report.dataset_measures?.[dataset] ?? report.measures ?? []).filter((m) => !computed.includes(label(m)));
  return { dataset, wanted, computed };
}

/** Each elementary cycle once, as [a, b, ..., a] following `from` edges (a reads b). */
export function findCycles(doc: ExperimentDoc): string[][] {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string) => {
    state.set(n, 'active');
    stack.push(n);
    for (const dep of upstreamStages(doc.stages[n], doc)) {
      if (!(dep in doc.stages) || dep === n) continue;
      const s = state.get(dep);
      if (s === 'active') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (s === undefined) visit(dep);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of Object.keys(doc.stages).sort()) if (!state.has(n)) visit(n);
  return cycles;
}
