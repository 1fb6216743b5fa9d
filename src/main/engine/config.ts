/**
 * Model configuration: the Hugging Face GPT-2 `config.json` keys, plus the toy-model keys
 * interpretability research uses (TransformerLens spelling), read into one typed object.
 */

export type Activation = 'gelu_new' | 'gelu' | 'relu';
/** 'LN': LayerNorm with weight and bias; 'LNPre': centre and scale only (after folding); 'none': identity. */
export type Normalization = 'LN' | 'LNPre' | 'none';

export interface ModelConfig {
  nLayer: number;
  nHead: number;
  dModel: number;
  dHead: number;
  dMlp: number;
  nCtx: number;
  vocabSize: number;
  lnEps: number;
  activation: Activation;
  normalization: Normalization;
  /** Blocks without an MLP (attention-only toy models). */
  attnOnly: boolean;
  /** Unembedding is the transpose of the token embedding (GPT-2's default). */
  tiedEmbeddings: boolean;
  /** The unembedding carries a bias `lm_head.bias` [V] (after weight processing). */
  unembedBias: boolean;
  /** Prompts start with the tokenizer's BOS token (as the model was trained); HF GPT-2 does not. */
  prependBos: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const ACTIVATIONS: Record<string, Activation> = {
  gelu_new: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  gelu_fast: 'gelu_new',
  gelu: 'gelu',
  relu: 'relu',
};

function positiveInt(raw: Record<string, unknown>, key: string, file: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${file}: "${key}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Parse a Hugging Face GPT-2 config.json object (already JSON-decoded). `file` names it in errors. */
export function parseHfConfig(raw: unknown, file = 'config.json'): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file}: expected a JSON object`);
  }
  const r = raw as Record<string, unknown>;
  if (r.model_type !== undefined && r.model_type !== 'gpt2') {
    throw new ConfigError(`${file}: model_type "${String(r.model_type)}" is not supported (only "gpt2")`);
  }
  const nLayer = positiveInt(r, 'n_layer', file);
  const nHead = positiveInt(r, 'n_head', file);
  const dModel = positiveInt(r, 'n_embd', file);
  const nCtx = positiveInt(r, 'n_positions', file);
  const vocabSize = positiveInt(r, 'vocab_size', file);
  if (dModel % nHead !== 0) {
    throw new ConfigError(`${file}: n_embd (${dModel}) is not divisible by n_head (${nHead})`);
  }
  const dMlp = r.n_inner === undefined || r.n_inner === null ? 4 * dModel : positiveInt(r, 'n_inner', file);
  const actName = r.activation_function === undefined ? 'gelu_new' : String(r.activation_function);
  const activation = ACTIVATIONS[actName];
  if (!activation) {
    throw new ConfigError(`${file}: activation_function "${actName}" is not supported (${Object.keys(ACTIVATIONS).join(', ')})`);
  }
  const lnEps = r.layer_norm_epsilon === undefined ? 1e-5 : Number(r.layer_norm_epsilon);
  if (!Number.isFinite(lnEps) || lnEps < 0) throw new ConfigError(`${file}: layer_norm_epsilon must be a non-negative number`);
  const normRaw = r.normalization_type === undefined ? 'LN' : r.normalization_type === null ? 'none' : String(r.normalization_type);
  if (normRaw !== 'LN' && normRaw !== 'LNPre' && normRaw !== 'none') {
    throw new ConfigError(`${file}: normalization_type must be "LN", "LNPre" or null, got ${JSON.stringify(r.normalization_type)}`);
  }
  return {
    nLayer,
    nHead,
    dModel,
    dHead: dModel / nHead,
    dMlp,
    nCtx,
    vocabSize,
    lnEps,
    activation,
    normalization: normRaw,
    attnOnly: r.attn_only === true,
    tiedEmbeddings: r.tie_word_embeddings === undefined ? true : r.tie_word_embeddings === true,
    unembedBias: r.unembed_bias === true,
    prependBos: r.prepend_bos === true,
  };
}

/** The inverse of parseHfConfig: a config.json object the loader reads back to the same ModelConfig. */
export function toHfConfig(c: ModelConfig): Record<string, unknown> {
  return {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_embd: c.dModel,
    n_inner: c.dMlp,
    n_positions: c.nCtx,
    n_ctx: c.nCtx,
    vocab_size: c.vocabSize,
    layer_norm_epsilon: c.lnEps,
    activation_function: c.activation,
    tie_word_embeddings: c.tiedEmbeddings,
    normalization_type: c.normalization === 'none' ? null : c.normalization,
    attn_only: c.attnOnly,
    unembed_bias: c.unembedBias,
    prepend_bos: c.prependBos,
  };
}
