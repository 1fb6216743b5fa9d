/**
 * ROME's value v*: a vector delta added to the MLP output (blocks.L.hook_mlp_out) at the
 * subject's last position, found by Adam so that the rewriting prompts predict the target,
 * with the paper's KL term (the "[subject] is a" prompts keep their next-token distribution),
 * weight decay on ||delta||^2 / ||v_0||^2 and a clamp ||delta|| <= clampNormFactor * ||v_0||.
 * Only blocks L.. run under the gradient: the residual stream at block L's input is fixed.
 */
import type { HookedGPT2 } from '../../engine/model';
import { blockHook } from '../../engine/hookNames';
import { tf, type Tensor } from '../../engine/tf';
import { throwIfAborted } from '../../analysis/progress';
import { activationsAt, checkMlpLayer } from './keys';
import { checkRows, groupRows, positionMaskData, type MarkedRow } from './rows';

export interface ValueOptions {
  /** Adam steps (ROME: 20). */
  steps?: number;
  /** Adam learning rate (ROME: 0.5). */
  lr?: number;
  /** Weight of KL(p_new || p_orig) on the KL prompts (ROME: 0.0625). */
  klFactor?: number;
  /** Weight of ||delta||^2 / ||v_0||^2 (ROME: 0.5 for GPT-2 XL). */
  weightDecay?: number;
  /** ||delta|| is clamped to this times ||v_0|| after each step (ROME: 4). */
  clampNormFactor?: number;
  /** Stop early once the mean target NLL is below this (ROME: 0.05). */
  stopLoss?: number;
  onProgress?: (step: number, steps: number, loss: number) => void;
  signal?: AbortSignal;
}

export interface ValueResult {
  /** The optimised delta at hook_mlp_out [D]. */
  delta: Float64Array;
  /** v_0: the MLP output at the subject's last token of the first rewriting prompt [D]. */
  v0: Float64Array;
  steps: number;
  /** Per step: total loss, target NLL, KL. */
  history: { loss: number; nll: number; kl: number }[];
}

interface PreparedGroup {
  residPre: Tensor; // [B, T, D] at block L's input (fixed)
  mask: Tensor; // [B, T, 1], 1 at the subject's last position
  /** 1 / (number of rewriting prompts) at (row, target) for rewriting rows, else 0. */
  targetWeight: Tensor; // [B, V]
  /** 1 / (number of KL prompts) for KL rows, else 0. */
  klWeight: Tensor; // [B, 1]
  baseLogProbs: Tensor; // [B, V] the unedited model's next-token log-probs
}

export async function optimiseValue(model: HookedGPT2, layer: number, target: number, rewrite: readonly MarkedRow[], klRows: readonly MarkedRow[], opts: ValueOptions = {}): Promise<ValueResult> {
  checkMlpLayer(model, layer);
  checkRows(rewrite, model.config, 'rewriting prompt');
  if (klRows.length > 0) checkRows(klRows, model.config, 'KL prompt');
  if (!Number.isInteger(target) || target < 0 || target >= model.config.vocabSize) throw new Error(`target token ${target} is outside the vocabulary`);
  const steps = opts.steps ?? 20;
  const lr = opts.lr ?? 0.5;
  const klFactor = opts.klFactor ?? 0.0625;
  const weightDecay = opts.weightDecay ?? 0.5;
  const clampNormFactor = opts.clampNormFactor ?? 4;
  const stopLoss = opts.stopLoss ?? 0.05;
  const D = model.config.dModel;
  const [v0] = await activationsAt(model, [rewrite[0]], layer, 'hook_mlp_out');
  const v0Norm2 = v0.reduce((s, x) => s + x * x, 0);
  const maxNorm = clampNormFactor * Math.sqrt(v0Norm2);

  const all = [...rewrite, ...klRows];
  // Masks rather than gathers: the gradient of gather is not registered on wasm.
  const V = model.config.vocabSize;
  const groups: PreparedGroup[] = groupRows(all).map((g) => {
    const B = g.rows.length;
    const T = g.length;
    const targetWeight = new Float32Array(B * V);
    const klWeight = new Float32Array(B);
    g.rows.forEach((r, b) => {
      if (r < rewrite.length) targetWeight[b * V + target] = 1 / rewrite.length;
      else klWeight[b] = 1 / klRows.length;
    });
    return {
      residPre: tf.tidy(() => model.runWithCache(g.tokens, [], { stopAtLayer: layer }).resid!), // [B, T, D]
      mask: tf.tensor3d(positionMaskData(g.positions, T), [B, T, 1]), // [B, T, 1]
      targetWeight: tf.tensor2d(targetWeight, [B, V]), // [B, V]
      klWeight: tf.tensor2d(klWeight, [B, 1]), // [B, 1]
      baseLogProbs: tf.tidy(() => tf.logSoftmax(model.forward(g.tokens, 'last'))), // [B, V]
    };
  });

  const hookName = blockHook(layer, 'hook_mlp_out');
  /** Loss terms for a given delta [D] (inside a gradient tape). */
  const terms = (delta: Tensor): { loss: Tensor; nll: Tensor; kl: Tensor } => {
    let nll: Tensor = tf.scalar(0);
    let kl: Tensor = tf.scalar(0);
    for (const g of groups) {
      const hook = { name: hookName, fn: (act: Tensor) => act.add(g.mask.mul(delta)) }; // [B, T, D]
      const { logits, cache } = model.runFromLayer(layer, g.residPre, [hook], { logits: 'last' });
      cache.dispose();
      const logProbs = tf.logSoftmax(logits!); // [B, V]
      nll = nll.sub(logProbs.mul(g.targetWeight).sum());
      kl = kl.add(logProbs.exp().mul(logProbs.sub(g.baseLogProbs)).mul(g.klWeight).sum());
    }
    const decay = delta.square().sum().div(Math.max(v0Norm2, 1e-12)).mul(weightDecay);
    return { loss: nll.add(kl.mul(klFactor)).add(decay), nll, kl };
  };

  // Adam in Float64 on the host: the parameter is one D-vector.
  const delta = new Float64Array(D);
  const m = new Float64Array(D);
  const s = new Float64Array(D);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const history: ValueResult['history'] = [];
  try {
    let step = 0;
    for (; step < steps; step++) {
      throwIfAborted(opts.signal);
      const [gradT, lossT, nllT, klT] = tf.tidy(() => {
        const x = tf.tensor1d(Float32Array.from(delta)); // [D]
        let parts: { nll: Tensor; kl: Tensor } | undefined;
        const { value, grad } = tf.valueAndGrad((d: Tensor) => {
          const t = terms(d);
          parts = { nll: tf.keep(t.nll), kl: tf.keep(t.kl) };
          return t.loss as tf.Scalar;
        })(x);
        return [grad, value, parts!.nll, parts!.kl];
      });
      const [g, loss, nll, kl] = await Promise.all([gradT.data(), lossT.data(), nllT.data(), klT.data()]);
      tf.dispose([gradT, lossT, nllT, klT]);
      history.push({ loss: loss[0], nll: nll[0], kl: kl[0] });
      opts.onProgress?.(step + 1, steps, loss[0]);
      if (nll[0] < stopLoss) break;
      const t = step + 1;
      for (let i = 0; i < D; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i];
        delta[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(s[i] / (1 - b2 ** t)) + eps);
      }
      const n = Math.sqrt(delta.reduce((a, x) => a + x * x, 0));
      if (n > maxNorm) for (let i = 0; i < D; i++) delta[i] *= maxNorm / n;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { delta, v0, steps: history.length, history };
  } finally {
    for (const g of groups) tf.dispose([g.residPre, g.mask, g.targetWeight, g.klWeight, g.baseLogProbs]);
  }
}
