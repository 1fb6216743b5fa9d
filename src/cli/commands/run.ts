import { writeSafetensors } from '../../main/loader/safetensors';
import { allHookNames } from '../../main/engine/hookNames';
import { openModel } from '../../main/services/modelSession';
import { modelDirFromOptions } from '../modelOption';
import { encodePrompt } from '../../main/services/prompt';
import { CliError, MODEL_OPTION, requireString, type Command } from '../command';

export const runCommand: Command = {
  name: 'run',
  summary: 'run a prompt and return chosen activations (by hook name) with their shapes',
  usage: 'run [--model DIR|ID [--download]] --prompt TEXT --cache NAME [--cache NAME ...] [--out FILE.safetensors]',
  options: { ...MODEL_OPTION, prompt: { type: 'string', short: 'p' }, cache: { type: 'string', multiple: true }, out: { type: 'string', short: 'o' } },
  async run(values) {
    const prompt = requireString(values, 'prompt');
    const names = (values.cache as string[] | undefined) ?? [];
    if (names.length === 0) throw new CliError('--cache NAME is required (one or more hook names, e.g. blocks.0.attn.hook_pattern)');
    const session = await openModel(await modelDirFromOptions(values));
    try {
      const known = new Set(allHookNames(session.config));
      const unknown = names.filter((n) => !known.has(n));
      if (unknown.length > 0) {
        throw new CliError(`unknown hook name(s): ${unknown.join(', ')}. This model has e.g. ${[...known].slice(0, 6).join(', ')}, ... (${known.size} in all)`);
      }
      const ids = encodePrompt(session.tokenizer, session.config, prompt);
      const { logits, cache } = session.model.runWithCache([ids], names, { logits: 'none' });
      logits?.dispose();
      const activations: { name: string; shape: number[]; values?: unknown }[] = [];
      const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const name of names) {
        const t = cache.get(name);
        const data = (await t.data()) as Float32Array;
        tensors.set(name, { shape: t.shape, data: Float32Array.from(data) });
        activations.push({ name, shape: t.shape, values: values.out ? undefined : await t.array() });
      }
      cache.dispose();
      const out = values.out as string | undefined;
      if (out) await writeSafetensors(out, tensors, { metadata: { prompt, model: session.dir } });
      const tokens = session.tokenizer.tokenStrings(ids);
      const text = [
        `tokens: ${tokens.map((t) => JSON.stringify(t)).join(' ')}`,
        ...activations.map((a) => `${a.name.padEnd(36)} [${a.shape.join(', ')}]`),
        out ? `written to ${out}` : '(add --json for the values, or --out FILE.safetensors)',
      ].join('\n');
      return { data: { model: session.dir, prompt, tokens, activations, out }, text };
    } finally {
      session.model.dispose();
    }
  },
};
