import { WASM_HEAP_BYTES } from '../../src/main/engine/backend';
import { maxParamBytesFor } from '../../src/main/services/modelSession';
import { describe, expect, it } from 'vitest';
import { parseHfConfig } from '../../src/main/engine/config';
import { expectedParamShapes, parameterCount } from '../../src/main/engine/params';
import { ModelLoadError } from '../../src/main/loader/errors';
import { checkParamBudget, fp32ParamBytes, modelDisplayName, planParams, type StoredTensorInfo } from '../../src/main/loader/paramPlan';

/** The official config.json of each GPT-2 size, as published with the checkpoints (abridged to the keys that matter, plus typical extras). */
function officialConfig(nEmbd: number, nLayer: number, nHead: number): Record<string, unknown> {
  return {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0.1,
    bos_token_id: 50256,
    embd_pdrop: 0.1,
    eos_token_id: 50256,
    initializer_range: 0.02,
    layer_norm_epsilon: 1e-5,
    model_type: 'gpt2',
    n_ctx: 1024,
    n_embd: nEmbd,
    n_head: nHead,
    n_layer: nLayer,
    n_positions: 1024,
    resid_pdrop: 0.1,
    summary_first_dropout: 0.1,
    task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
    vocab_size: 50257,
  };
}

/** Parameter counts published for the four checkpoints (tied embeddings: lm_head not counted). */
const OFFICIAL = [
  { name: 'GPT-2 small', nEmbd: 768, nLayer: 12, nHead: 12, params: 124_439_808 },
  { name: 'GPT-2 medium', nEmbd: 1024, nLayer: 24, nHead: 16, params: 354_823_168 },
  { name: 'GPT-2 large', nEmbd: 1280, nLayer: 36, nHead: 20, params: 774_030_080 },
  { name: 'GPT-2 XL', nEmbd: 1600, nLayer: 48, nHead: 25, params: 1_557_611_200 },
];

/**
 * A header-only stand-in for the checkpoint's safetensors: the names and shapes as the HF files
 * list them, written out here independently of expectedParamShapes, with the causal-mask buffers.
 */
function officialHeader(nEmbd: number, nLayer: number, prefix: string, file: string): StoredTensorInfo[] {
  const D = nEmbd;
  const t = (name: string, shape: number[]): StoredTensorInfo => ({ file, name: prefix + name, dtype: 'F32', shape });
  const out = [t('wte.weight', [50257, D]), t('wpe.weight', [1024, D]), t('ln_f.weight', [D]), t('ln_f.bias', [D])];
  for (let l = 0; l < nLayer; l++) {
    out.push(
      t(`h.${l}.ln_1.weight`, [D]), t(`h.${l}.ln_1.bias`, [D]),
      t(`h.${l}.attn.bias`, [1, 1, 1024, 1024]), t(`h.${l}.attn.masked_bias`, []),
      t(`h.${l}.attn.c_attn.weight`, [D, 3 * D]), t(`h.${l}.attn.c_attn.bias`, [3 * D]),
      t(`h.${l}.attn.c_proj.weight`, [D, D]), t(`h.${l}.attn.c_proj.bias`, [D]),
      t(`h.${l}.ln_2.weight`, [D]), t(`h.${l}.ln_2.bias`, [D]),
      t(`h.${l}.mlp.c_fc.weight`, [D, 4 * D]), t(`h.${l}.mlp.c_fc.bias`, [4 * D]),
      t(`h.${l}.mlp.c_proj.weight`, [4 * D, D]), t(`h.${l}.mlp.c_proj.bias`, [D]),
    );
  }
  return out;
}

function planError(fn: () => unknown): ModelLoadError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return e as ModelLoadError;
  }
  throw new Error('expected a ModelLoadError');
}

describe('the four official GPT-2 sizes pass config parsing and the shape plan with the same code', () => {
  it.each(OFFICIAL)('$name', ({ name, nEmbd, nLayer, nHead, params }) => {
    const config = parseHfConfig(officialConfig(nEmbd, nLayer, nHead));
    expect(config).toMatchObject({ nLayer, nHead, dModel: nEmbd, dHead: 64, dMlp: 4 * nEmbd, nCtx: 1024, vocabSize: 50257, tiedEmbeddings: true, activation: 'gelu_new' });
    expect(parameterCount(config)).toBe(params);
    expect(fp32ParamBytes(config)).toBe(params * 4);
    expect(modelDisplayName(config)).toBe(name);
    for (const prefix of ['', 'transformer.']) {
      const header = officialHeader(nEmbd, nLayer, prefix, 'model.safetensors');
      // A GPT2LMHeadModel state dict also carries the tied lm_head.weight: ignored.
      if (prefix) header.push({ file: 'model.safetensors', name: 'lm_head.weight', dtype: 'F32', shape: [50257, nEmbd] });
      const plan = planParams(config, header, 'model.safetensors');
      expect(plan.length).toBe(4 + 12 * nLayer);
      expect(plan.map((p) => p.param)).toEqual([...expectedParamShapes(config).keys()]);
      expect(plan.every((p) => p.name === prefix + p.param)).toBe(true);
      expect(plan.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0)).toBe(params);
    }
  });

  it('the size refusal names the model, the size, the backend and the way out: on wasm, large and XL are refused, medium runs', () => {
    const wasm = maxParamBytesFor({ name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm', gpu: false, memoryLimitBytes: WASM_HEAP_BYTES, failures: [] })!;
    const xl = parseHfConfig(officialConfig(1600, 48, 25));
    const e = planError(() => checkParamBudget(xl, '/m/config.json', wasm, 'wasm'));
    expect(e.file).toBe('/m/config.json');
    expect(e.problem).toBe(
      "GPT-2 XL needs 6.2 GB of fp32 weights; the live backend 'wasm' can hold at most 1.9 GB (the wasm32 heap is 4 GiB and XNNPACK keeps a packed copy of every weight matrix). Use the tensorflow backend (tfjs-node / tfjs-node-gpu)",
    );
    expect(planError(() => checkParamBudget(parseHfConfig(officialConfig(1280, 36, 20)), '/m/config.json', wasm, 'wasm')).problem).toMatch(/^GPT-2 large needs 3\.1 GB/);
    expect(() => checkParamBudget(parseHfConfig(officialConfig(1024, 24, 16)), '/m/config.json', wasm, 'wasm')).not.toThrow();
    expect(() => checkParamBudget(xl, '/m/config.json', 7e9, 'wasm')).not.toThrow();
    expect(() => checkParamBudget(xl, '/m/config.json', undefined, 'wasm')).not.toThrow();
    const small = parseHfConfig(officialConfig(768, 12, 12));
    expect(planError(() => checkParamBudget(small, 'c', 1e8, 'cpu')).problem).toMatch(/^GPT-2 small needs 497\.8 MB of fp32 weights; the live backend 'cpu' can hold at most 100\.0 MB\. Use the tensorflow/);
  });
});

describe('shape plan errors name the tensor, the file and the shapes', () => {
  const config = parseHfConfig(officialConfig(768, 12, 12));
  const header = (): StoredTensorInfo[] => officialHeader(768, 12, '', 'w.safetensors');

  it('missing tensor', () => {
    const e = planError(() => planParams(config, header().filter((t) => t.name !== 'h.3.mlp.c_fc.weight'), 'w.safetensors'));
    expect(e.file).toBe('w.safetensors');
    expect(e.problem).toMatch(/^missing tensor "h\.3\.mlp\.c_fc\.weight" \(expected "h\.3\.mlp\.c_fc\.weight" with shape \[768, 3072\]\)/);
  });

  it('wrong shape (a transposed Linear instead of Conv1D)', () => {
    const h = header().map((t) => (t.name === 'h.0.mlp.c_fc.weight' ? { ...t, shape: [3072, 768] } : t));
    const e = planError(() => planParams(config, h, 'w.safetensors'));
    expect(e.file).toBe('w.safetensors');
    expect(e.problem).toBe('tensor "h.0.mlp.c_fc.weight" has shape [3072, 768], expected [768, 3072] for this config.json');
  });

  it('unsupported dtype', () => {
    const h = header().map((t) => (t.name === 'wpe.weight' ? { ...t, dtype: 'I8' } : t));
    expect(planError(() => planParams(config, h, 'w.safetensors')).problem).toBe('tensor "wpe.weight" has unsupported dtype I8; weights must be one of F32, F16, BF16, F64');
  });

  it('non-parameter buffers may have any dtype (they are skipped)', () => {
    const h = header().map((t) => (/\.attn\.bias$/.test(t.name) ? { ...t, dtype: 'BOOL' } : t));
    expect(planParams(config, h, 'w.safetensors').length).toBe(148);
  });

  it('unexpected extra tensors', () => {
    const h = [...header(), { file: 'w.safetensors', name: 'h.12.ln_1.weight', dtype: 'F32', shape: [768] }];
    expect(planError(() => planParams(config, h, 'w.safetensors')).problem).toBe('unexpected tensor "h.12.ln_1.weight" not part of a GPT-2 with this config.json');
  });

  it('an untied lm_head.weight is required when tie_word_embeddings is false', () => {
    const untied = parseHfConfig({ ...officialConfig(768, 12, 12), tie_word_embeddings: false });
    expect(planError(() => planParams(untied, header(), 'w.safetensors')).problem).toMatch(/^missing tensor "lm_head\.weight" \(expected "lm_head\.weight" with shape \[50257, 768\]\)/);
    const withHead = [...header(), { file: 'w.safetensors', name: 'lm_head.weight', dtype: 'F16', shape: [50257, 768] }];
    expect(planParams(untied, withHead, 'w.safetensors').at(-1)).toMatchObject({ param: 'lm_head.weight', dtype: 'F16' });
  });

  it('the same parameter stored twice, with and without the prefix', () => {
    const h = [...header(), { file: 'w2.safetensors', name: 'transformer.wte.weight', dtype: 'F32', shape: [50257, 768] }];
    const e = planError(() => planParams(config, h, 'index.json'));
    expect(e.file).toBe('w2.safetensors');
    expect(e.problem).toBe('tensor "transformer.wte.weight" duplicates "wte.weight" in w.safetensors (both are parameter "wte.weight")');
  });
});
