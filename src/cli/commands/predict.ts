import { openModel } from '../../main/services/modelSession';
import { modelDirFromOptions } from '../modelOption';
import { predictNext } from '../../main/services/predict';
import { MODEL_OPTION, optionalInt, requireString, type Command } from '../command';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'top next tokens at the last position, with logits and probabilities',
  usage: 'predict [--model DIR|ID [--download]] --prompt TEXT [--top-k K]',
  options: { ...MODEL_OPTION, prompt: { type: 'string', short: 'p' }, 'top-k': { type: 'string', short: 'k' } },
  async run(values) {
    const prompt = requireString(values, 'prompt');
    const topK = optionalInt(values, 'top-k', 10);
    const session = await openModel(await modelDirFromOptions(values));
    try {
      const { tokens, predictions } = await predictNext(session, prompt, topK);
      const rows = predictions.map((p) => `${String(p.rank).padStart(3)}  ${JSON.stringify(p.token).padEnd(18)} logit ${p.logit.toFixed(3).padStart(9)}  p ${p.prob.toFixed(4)}`);
      return { data: { model: session.dir, prompt, tokens, predictions }, text: [`tokens: ${tokens.map((t) => JSON.stringify(t)).join(' ')}`, ...rows].join('\n') };
    } finally {
      session.model.dispose();
    }
  },
};
