/**
 * HookedGPT2: the GPT-2 architecture in TensorFlow.js with TransformerLens hook points.
 * Every synchronous computation runs inside tf.tidy; what a call returns (logits, cached
 * activations) is the caller's to dispose.
 */
import type { ModelConfig } from './config';
import { blockHook, hookLayer, isOptionalHook, QKV_INPUT_SUFFIXES } from './hookNames';
import { HookRunner, type Hook, type NameFilter } from './hookRunner';
import { activate, batchedOrPerSlice, causalMaskBias, headMatrices, PER_SLICE_ATTENTION_MIN_T, perHeadMatMul } from './layers';
import type { ParamDict } from './params';
import { tf, type Tensor } from './tf';
import { uploadWeights, weightTensors, type LayerNormWeights, type ModelWeights } from './weights';

/** Token ids, one row per prompt, all rows the same length. */
export type TokenBatch = readonly (readonly number[])[];

/**
 * Which positions to unembed. 'last': the final position of every row -> [B, V];
 * per-row positions -> [B, V]; 'all' -> [B, T, V]; 'none' -> no logits.
 */
export type LogitPositions = 'all' | 'last' | 'none' | readonly number[];

export interface RunOptions {
  logits?: LogitPositions;
  /** Stop before block `stopAtLayer` runs (no logits); the cache holds what was reached. */
  stopAtLayer?: number;
}

export interface RunResult {
  /** [B, V] or [B, T, V] per `logits`; undefined for 'none' or stopAtLayer. */
  logits: Tensor | undefined;
  /** The residual stream where the run stopped (only with stopAtLayer): [B, T, D]. */
  resid: Tensor | undefined;
  cache: ActivationCache;
}

/** Cached activations of one call; dispose() frees them. */
export class ActivationCache {
  constructor(private readonly tensors: Map<string, Tensor>) {}

  get names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  get(name: string): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`activation ${name} is not in the cache (cached: ${this.names.slice(0, 8).join(', ')}${this.tensors.size > 8 ? ', ...' : ''})`);
    return t;
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}

export type EmbeddingMode = 'gather' | 'onehot';

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

interface StartPoint {
  layer: number;
  residPre: Tensor; // [B, T, D]
}

export class HookedGPT2 {
  readonly weights: ModelWeights;
  /**
   * 'onehot' embeds by oneHot x matMul: slower, but differentiable on wasm, where the gradient
   * of gather (UnsortedSegmentSum) is not registered. Training uses it.
   */
  embeddingMode: EmbeddingMode = 'gather';

  constructor(
    readonly config: ModelConfig,
    weights: ModelWeights,
  ) {
    this.weights = weights;
  }

  static fromParams(config: ModelConfig, params: ParamDict): HookedGPT2 {
    return new HookedGPT2(config, uploadWeights(config, params));
  }

  dispose(): void {
    for (const t of weightTensors(this.weights)) t.dispose();
  }

  /** Logits only. */
  forward(tokens: TokenBatch, logits: LogitPositions = 'all'): Tensor {
    return this.runWithHooks(tokens, [], { logits });
  }

  /** Run with hooks that may read and replace activations; returns the logits. */
  runWithHooks(tokens: TokenBatch, hooks: readonly Hook[], opts: RunOptions = {}): Tensor {
    const { logits, cache } = this.run(tokens, undefined, hooks, opts);
    cache.dispose();
    if (!logits) throw new InputError('runWithHooks needs logits: use run() with stopAtLayer for partial runs');
    return logits;
  }

  /**
   * Run and return the activations whose names pass `filter`, plus the logits. The default
   * caches every point except the optional ones (split q/k/v inputs, per-head results), which
   * change how the layer is computed and are cached only when named.
   */
  runWithCache(tokens: TokenBatch, filter: NameFilter = (name) => !isOptionalHook(name), opts: RunOptions = {}, hooks: readonly Hook[] = []): RunResult {
    return this.run(tokens, undefined, hooks, opts, filter);
  }

  /**
   * Run blocks `layer`..end from a given residual stream at the input of block `layer`
   * (blocks.L.hook_resid_pre), so a patched run need not recompute the blocks before L.
   */
  runFromLayer(layer: number, residPre: Tensor, hooks: readonly Hook[] = [], opts: RunOptions = {}, filter?: NameFilter): RunResult {
    if (!Number.isInteger(layer) || layer < 0 || layer > this.config.nLayer) {
      throw new InputError(`start layer ${layer} is outside 0..${this.config.nLayer}`);
    }
    if (residPre.rank !== 3 || residPre.shape[2] !== this.config.dModel) {
      throw new InputError(`residual stream must be [B, T, ${this.config.dModel}], got [${residPre.shape}]`);
    }
    return this.run(undefined, { layer, residPre }, hooks, opts, filter);
  }

  private run(tokens: TokenBatch | undefined, start: StartPoint | undefined, hooks: readonly Hook[], opts: RunOptions, filter?: NameFilter): RunResult {
    const runner = new HookRunner(hooks, filter);
    if (start) assertNoHooksBefore(start.layer, hooks);
    const stopAt = opts.stopAtLayer ?? this.config.nLayer;
    if (!Number.isInteger(stopAt) || stopAt < 0 || stopAt > this.config.nLayer) {
      throw new InputError(`stopAtLayer ${stopAt} is outside 0..${this.config.nLayer}`);
    }
    const ids = tokens ? this.checkTokens(tokens) : undefined; // validated before anything is allocated
    try {
      const out = tf.tidy(() => {
        let resid: Tensor; // [B, T, D]
        let firstLayer: number;
        if (start) {
          resid = start.residPre;
          firstLayer = start.layer;
        } else {
          resid = this.embed(tf.tensor2d(ids!.flat, [ids!.B, ids!.T], 'int32'), runner); // tokens [B, T]
          firstLayer = 0;
        }
        // Without hooks nothing outlives a block but its output and the cached names (kept), so each
        // block gets its own scope: the peak is one block's intermediates, which lets a full
        // 1024-token context run within wasm's 4 GiB. Hooks may hold tensors across blocks, so
        // hooked runs keep the single scope.
        const scoped = hooks.length === 0;
        for (let l = firstLayer; l < stopAt; l++) {
          const input = resid;
          resid = scoped ? tf.tidy(() => this.block(l, input, runner)) : this.block(l, input, runner); // [B, T, D]
        }
        if (opts.stopAtLayer !== undefined) return { logits: undefined, resid };
        const [B, T] = resid.shape as [number, number, number];
        const positions = opts.logits ?? 'all';
        if (positions !== 'all' && positions !== 'last' && positions !== 'none' && positions.length !== B) {
          throw new InputError(`logit positions name ${positions.length} rows, the batch has ${B}`);
        }
        const normalized = this.norm(resid, this.weights.lnF, 'ln_final', undefined, runner); // [B, T, D]
        if (positions === 'none') return { logits: undefined, resid: undefined };
        return { logits: this.unembed(normalized, positions, B, T), resid: undefined };
      });
      return { logits: out.logits, resid: out.resid, cache: new ActivationCache(runner.cache) };
    } catch (err) {
      for (const t of runner.cache.values()) t.dispose();
      throw err;
    }
  }

  private checkTokens(tokens: TokenBatch): { flat: Int32Array; B: number; T: number } {
    const B = tokens.length;
    if (B === 0) throw new InputError('the token batch is empty');
    const T = tokens[0].length;
    if (T === 0) throw new InputError('prompts must have at least one token');
    if (T > this.config.nCtx) throw new InputError(`prompt has ${T} tokens; the model's context is ${this.config.nCtx}`);
    const flat = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const row = tokens[b];
      if (row.length !== T) throw new InputError(`row ${b} has ${row.length} tokens, row 0 has ${T}: rows of a batch must have the same length`);
      for (let t = 0; t < T; t++) {
        const id = row[t];
        if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) {
          throw new InputError(`token id ${id} at row ${b}, position ${t} is outside the vocabulary (0..${this.config.vocabSize - 1})`);
        }
        flat[b * T + t] = id;
      }
    }
    return { flat, B, T };
  }

  private embed(ids: Tensor, r: HookRunner): Tensor {
    const [B, T] = ids.shape as [number, number];
    const D = this.config.dModel;
    let tokenEmbed: Tensor; // [B, T, D]
    if (this.embeddingMode === 'onehot') {
      const oneHot = tf.oneHot(ids.reshape([B * T]) as tf.Tensor1D, this.config.vocabSize); // [B*T, V]
      tokenEmbed = tf.matMul(oneHot, this.weights.wte).reshape([B, T, D]);
    } else {
      tokenEmbed = tf.gather(this.weights.wte, ids); // [B, T, D]
    }
    tokenEmbed = r.point('hook_embed', undefined, tokenEmbed);
    const posRows = tf.slice(this.weights.wpe, [0, 0], [T, D]); // [T, D]
    const posEmbed = r.point('hook_pos_embed', undefined, tf.broadcastTo(posRows, [B, T, D])); // [B, T, D]
    return tokenEmbed.add(posEmbed); // [B, T, D]
  }

  /** LayerNorm (or its LNPre / identity variants) with its hook points; x is [..., D]. */
  private norm(x: Tensor, w: LayerNormWeights | undefined, prefix: string, layer: number | undefined, r: HookRunner): Tensor {
    if (this.config.normalization === 'none') return x;
    const centered = x.sub(x.mean(-1, true)); // [..., D]
    const scale = r.point(`${prefix}.hook_scale`, layer, centered.square().mean(-1, true).add(this.config.lnEps).sqrt()); // [..., 1]
    let out = centered.div(scale); // [..., D]
    if (w) out = out.mul(w.w).add(w.b);
    return r.point(`${prefix}.hook_normalized`, layer, out);
  }

  private block(l: number, residIn: Tensor, r: HookRunner): Tensor {
    const c = this.config;
    const w = this.weights.blocks[l];
    const [B, T] = residIn.shape as [number, number, number];
    const D = c.dModel;
    const H = c.nHead;
    const dh = c.dHead;
    const at = (suffix: string): string => blockHook(l, suffix);
    const residPre = r.point(at('hook_resid_pre'), l, residIn); // [B, T, D]

    let q: Tensor, k: Tensor, v: Tensor; // each [B, T, H, dh]
    const projections = [[w.wQ, w.bQ], [w.wK, w.bK], [w.wV, w.bV]] as const;
    if (QKV_INPUT_SUFFIXES.some((s) => r.wants(at(s)))) {
      // Split inputs: each head reads its own copy of the residual for q, k and v, so edge
      // interventions can feed one head's query a different stream than its key or value.
      // The streams are stacked on a leading axis (contiguous: strided stacks and unstacks are
      // the slowest kernels on wasm), so ln1's hooks fire once with shape [3, B, T, H, *].
      const streams = QKV_INPUT_SUFFIXES.map((s) => r.point(at(s), l, tf.broadcastTo(residPre.expandDims(2), [B, T, H, D]))); // 3 x [B, T, H, D]
      const x = this.norm(tf.stack(streams), w.ln1, at('ln1'), l, r); // [3, B, T, H, D]
      const xHeads = x.reshape([3, B * T, H, D]).transpose([0, 2, 1, 3]).reshape([3 * H, B * T, D]); // [3H, B*T, D]
      const wHeads = tf.concat(projections.map(([wp]) => headMatrices(wp, H, dh)), 0); // [3H, D, dh]
      const bHeads = tf.stack(projections.map(([, bp]) => bp.reshape([H, 1, dh]))); // [3, H, 1, dh]
      const qkv = tf.matMul(xHeads, wHeads).reshape([3, H, B * T, dh]).add(bHeads); // [3, H, B*T, dh]
      [q, k, v] = tf.unstack(qkv.reshape([3, H, B, T, dh]).transpose([0, 2, 3, 1, 4])) as [Tensor, Tensor, Tensor]; // 3 x [B, T, H, dh]
    } else {
      const x = this.norm(residPre, w.ln1, at('ln1'), l, r).reshape([B * T, D]); // [B*T, D]
      [q, k, v] = projections.map(([wp, bp]) => tf.matMul(x, wp).add(bp).reshape([B, T, H, dh])) as [Tensor, Tensor, Tensor]; // 3 x [B, T, H, dh]
    }
    q = r.point(at('attn.hook_q'), l, q);
    k = r.point(at('attn.hook_k'), l, k);
    v = r.point(at('attn.hook_v'), l, v);

    const qh = q.transpose([0, 2, 1, 3]); // [B, H, T, dh]
    const kh = k.transpose([0, 2, 1, 3]); // [B, H, T, dh]
    const vh = v.transpose([0, 2, 1, 3]); // [B, H, T, dh]
    const perSlice = T >= PER_SLICE_ATTENTION_MIN_T;
    const rawScores = (perSlice ? batchedOrPerSlice(qh, kh.transpose([0, 1, 3, 2]), true) : tf.matMul(qh, kh, false, true)).div(Math.sqrt(dh)).add(causalMaskBias(T)); // [B, H, Tq, Tk]
    const scores = r.point(at('attn.hook_attn_scores'), l, rawScores);
    const pattern = r.point(at('attn.hook_pattern'), l, tf.softmax(scores)); // [B, H, Tq, Tk]
    const z = r.point(at('attn.hook_z'), l, batchedOrPerSlice(pattern, vh, perSlice).transpose([0, 2, 1, 3])); // [B, T, H, dh]

    let attnOut: Tensor; // [B, T, D]
    if (r.wants(at('attn.hook_result'))) {
      const wOHeads = w.wO.reshape([H, dh, D]); // [H, dh, D]
      const result = r.point(at('attn.hook_result'), l, perHeadMatMul(z, wOHeads)); // [B, T, H, D]
      attnOut = result.sum(2).add(w.bO);
    } else {
      attnOut = tf.matMul(z.reshape([B * T, D]), w.wO).add(w.bO).reshape([B, T, D]);
    }
    attnOut = r.point(at('hook_attn_out'), l, attnOut);

    if (c.attnOnly) return r.point(at('hook_resid_post'), l, residPre.add(attnOut));

    const residMid = r.point(at('hook_resid_mid'), l, residPre.add(attnOut)); // [B, T, D]
    const mlpIn = r.point(at('hook_mlp_in'), l, residMid); // [B, T, D]
    const x2 = this.norm(mlpIn, w.ln2, at('ln2'), l, r); // [B, T, D]
    const M = c.dMlp;
    const pre = r.point(at('mlp.hook_pre'), l, tf.matMul(x2.reshape([B * T, D]), w.wIn!).add(w.bIn!).reshape([B, T, M])); // [B, T, M]
    const post = r.point(at('mlp.hook_post'), l, activate(c.activation, pre)); // [B, T, M]
    const mlpOut = r.point(at('hook_mlp_out'), l, tf.matMul(post.reshape([B * T, M]), w.wOut!).add(w.bOut!).reshape([B, T, D])); // [B, T, D]
    return r.point(at('hook_resid_post'), l, residMid.add(mlpOut));
  }

  /** Unembed only the positions asked for. */
  private unembed(normalized: Tensor, positions: Exclude<LogitPositions, 'none'>, B: number, T: number): Tensor {
    const D = this.config.dModel;
    // Slices and a one-hot matmul rather than gather: differentiable on wasm too, where the
    // gradient of gather (UnsortedSegmentSum) is not registered.
    let rows: Tensor; // [N, D]
    if (positions === 'all') {
      rows = normalized.reshape([B * T, D]);
    } else if (positions === 'last') {
      rows = tf.slice(normalized, [0, T - 1, 0], [B, 1, D]).reshape([B, D]);
    } else {
      positions.forEach((p, b) => {
        if (!Number.isInteger(p) || p < 0 || p >= T) throw new InputError(`logit position ${p} for row ${b} is outside 0..${T - 1}`);
      });
      const pick = tf.oneHot(tf.tensor1d(positions as number[], 'int32'), T).expandDims(1); // [B, 1, T]
      rows = tf.matMul(pick, normalized).reshape([B, D]); // [B, D]
    }
    let logits = tf.matMul(rows, this.weights.unembed, false, true); // [N, V]
    if (this.weights.unembedBias) logits = logits.add(this.weights.unembedBias);
    return positions === 'all' ? logits.reshape([B, T, this.config.vocabSize]) : logits; // [B, T, V] or [B, V]
  }
}

/** A run that starts at layer L never reaches hooks on earlier layers or the embeddings: say so. */
function assertNoHooksBefore(layer: number, hooks: readonly Hook[]): void {
  for (const h of hooks) {
    if (typeof h.name !== 'string') continue;
    const l = hookLayer(h.name);
    if (l === undefined ? h.name.startsWith('hook_') : l < layer) {
      throw new InputError(`hook ${h.name} lies before the start layer ${layer} and would never run`);
    }
  }
}

