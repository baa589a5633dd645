import type { Command } from 'commander';

/**
 * `switchyard eval`: replays a routing dataset through a router offline and reports RouteLLM's
 * metrics (strong/weak pair) or the quality–cost frontier (many models). This module only declares the
 * command: the evaluation is loaded when the command runs, so the CLI starts as fast as before.
 *
 * Exit status: 0 on success; 2 on a usage mistake (bad option, unknown model or router, unreadable
 * file, an alias that collides with a model); 1 when the evaluation cannot run (no usable rows, a
 * router that fails or predicts a non-number).
 */

export interface EvalCommandOptions {
  data?: string;
  strong?: string;
  weak?: string;
  models?: string;
  alias: string[];
  excludeFlag: string[];
  task: string[];
  split?: string;
  router: string;
  seed?: string;
  loto?: boolean;
  json?: boolean;
  svg?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'Evaluate a router offline on a routing dataset (JSONL: id, task, prompt, question, split, flags, models{name: {score, cost_usd, …}}): ' +
        'APGR, CPT(50%), CPT(80%), the % of strong calls for 95% of the strong model, beside random, oracle, always-strong and always-weak, per task and overall; ' +
        'or, with --models, the quality–cost frontier.',
    )
    .option('--data <file>', 'the dataset (JSONL)')
    .option('--strong <model>', 'the strong model of the pair')
    .option('--weak <model>', 'the weak model of the pair')
    .option('--models <list>', 'many models, comma-separated, or "all" (instead of --strong/--weak): the quality–cost frontier')
    .option('--alias <from=to>', "call the file's model FROM by the name TO (repeatable)", collect, [])
    .option('--exclude-flag <flag>', 'drop rows whose flags.FLAG is truthy (repeatable)', collect, [])
    .option('--task <task>', 'evaluate only these tasks (repeatable or comma-separated)', collect, [])
    .option('--split <split>', 'rows to evaluate: test, train or all (default: test; the router is always fitted on train rows)')
    .option('--router <name>', 'the router to evaluate: task-prior, random, oracle, learned (when built), difficulty-oracle[@r] (a ceiling check)', 'task-prior')
    .option('--seed <n>', 'seed of the random router (default 1) or of a router that trains')
    .option('--loto', 'also leave-one-task-out: for each task, fit on the train rows of the others and score that task')
    .option('--json', 'print the report as JSON')
    .option('--svg <file>', 'write a chart of the overall result (SVG)')
    .configureOutput({ outputError: (text) => process.stderr.write(`switchyard eval: ${text.replace(/^error: /, '')}`) })
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (options: EvalCommandOptions) => {
      const { runEvalCommand } = await import('./run-eval.js');
      process.exitCode = await runEvalCommand(options, { stdout: process.stdout, stderr: process.stderr });
    });
}
