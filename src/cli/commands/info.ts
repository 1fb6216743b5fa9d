import { describeBackend, memoryInfo } from '../../main/engine/backend';
import { openModel } from '../../main/services/modelSession';
import { modelDirFromOptions } from '../modelOption';
import { MODEL_OPTION, type Command } from '../command';

export const infoCommand: Command = {
  name: 'info',
  summary: 'architecture, parameter count and live backend of a model',
  usage: 'info [--model DIR|ID [--download]]',
  options: { ...MODEL_OPTION },
  async run(values) {
    const session = await openModel(await modelDirFromOptions(values));
    const { config, backend } = session;
    const data = {
      model: session.dir,
      architecture: config,
      parameterCount: session.parameterCount,
      tokenizer: { kind: session.tokenizer.kind, vocabSize: session.tokenizer.vocabSize },
      backend,
      memory: memoryInfo(),
    };
    session.model.dispose();
    const text = [
      `model       ${session.dir}`,
      `layers      ${config.nLayer}   heads ${config.nHead}   d_model ${config.dModel}   d_head ${config.dHead}   d_mlp ${config.attnOnly ? '-' : config.dMlp}`,
      `context     ${config.nCtx}   vocab ${config.vocabSize} (${session.tokenizer.kind} tokenizer)`,
      `variant     ${config.activation}, norm ${config.normalization}${config.attnOnly ? ', attention-only' : ''}${config.tiedEmbeddings ? ', tied unembedding' : ', untied unembedding'}`,
      `parameters  ${session.parameterCount.toLocaleString('en-US')}`,
      ...describeBackend(backend).map((line, i) => (i === 0 ? `backend     ${line}` : `            ${line}`)),
    ].join('\n');
    return { data, text };
  },
};
