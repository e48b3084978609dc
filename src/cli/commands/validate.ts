import type { Command } from 'commander';
import { ConfigError } from '../../config/diagnostics.js';
import { loadExperiment } from '../../dag/load-experiment.js';
import { CliExit, diagnosticJson, printDiagnostics } from '../common.js';
import { EXIT } from '../exit-codes.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check experiment files: syntax, schema, references, cycles, ablations (exit 2 if any is invalid)')
    .argument('<files...>', 'experiment YAML files')
    .option('--json', 'machine-readable output')
    .action((files: string[], opts: { json?: boolean }) => {
      const results = files.map((file) => {
        try {
          const exp = loadExperiment(file);
          return {
            file,
            valid: true,
            variants: exp.variants.length,
            stages: Object.keys(exp.doc.stages).length,
            diagnostics: [] as ConfigError['diagnostics'],
          };
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          return { file, valid: false, variants: 0, stages: 0, diagnostics: err.diagnostics };
        }
      });
      if (opts.json) {
        const out = results.map((r) => ({ ...r, diagnostics: r.diagnostics.map(diagnosticJson) }));
        process.stdout.write(`${JSON.stringify({ files: out }, null, 2)}\n`);
      } else {
        for (const r of results) {
          if (r.valid) process.stdout.write(`${r.file}: ok (${r.stages} stages, ${r.variants} variant${r.variants === 1 ? '' : 's'})\n`);
          else printDiagnostics(r.diagnostics);
        }
      }
      if (results.some((r) => !r.valid)) throw new CliExit(EXIT.invalid);
    });
}
