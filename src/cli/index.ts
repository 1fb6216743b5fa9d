/**
 * circuit-workbench: the command line over the workbench's services. Every command takes
 * --json for machine-readable output; errors exit 1 with a message (and a JSON error object).
 */
import { parseArgs } from 'node:util';
import { CliError, type Command } from './command';
import { analyzeCommand } from './commands/analyze';
import { infoCommand } from './commands/info';
import { predictCommand } from './commands/predict';
import { runCommand } from './commands/run';
import { PROJECT_COMMANDS } from './commands/project';
import { evaluateCommand } from './commands/evaluate';
import { datasetGenerateCommand } from './commands/dataset';
import { CIRCUIT_COMMANDS } from './commands/circuit';
import { EDIT_COMMANDS } from './commands/edit';
import { compareCommand } from './commands/compare';
import { studyCommand } from './commands/study';

export const COMMANDS: Command[] = [infoCommand, predictCommand, runCommand, analyzeCommand, evaluateCommand, datasetGenerateCommand, ...PROJECT_COMMANDS, ...CIRCUIT_COMMANDS, ...EDIT_COMMANDS, compareCommand, studyCommand];

function findCommand(args: string[]): { command: Command; rest: string[] } | undefined {
  // Longest match first, so 'dataset generate' wins over a hypothetical 'dataset'.
  const sorted = [...COMMANDS].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of sorted) {
    const words = command.name.split(' ');
    if (words.every((w, i) => args[i] === w)) return { command, rest: args.slice(words.length) };
  }
  return undefined;
}

function usage(): string {
  return [
    'usage: circuit-workbench <command> [options] [--json]',
    '',
    ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    '--model takes a folder or a Hugging Face id (gpt2, org/name@revision) found in the HF cache (HF_HUB_CACHE, HF_HOME/hub or',
    '~/.cache/huggingface/hub); --download fetches a missing one from the hub into that cache (HF_ENDPOINT and HF_TOKEN honoured).',
    'Without --model: the bundled model in resources/default-model. CWB_BACKEND=tensorflow|wasm|cpu forces a backend.',
    'circuit-workbench <command> --help shows one command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(usage());
    return 0;
  }
  const json = argv.includes('--json');
  const found = findCommand(argv);
  try {
    if (!found) throw new CliError(`unknown command "${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}"\n\n${usage()}`);
    const { values, positionals } = parseArgs({
      args: found.rest,
      options: { ...found.command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      console.log(`usage: circuit-workbench ${found.command.usage} [--json]\n\n${found.command.summary}`);
      return 0;
    }
    const result = await found.command.run(values, positionals);
    console.log(json ? JSON.stringify(result.data, null, 2) : result.text);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (json) console.log(JSON.stringify({ error: { type: err instanceof Error ? err.name : 'Error', message } }, null, 2));
    console.error(`circuit-workbench: ${message}`);
    return 1;
  }
}
export { exitAfterFlush } from './exit';
