/**
 * Adam with decoupled weight decay (AdamW) and global-norm gradient clipping, written over
 * plain tf ops so the learning rate can change every step and every number is reproducible.
 */
import { tf } from '../engine/tf';
import type { OptimiserSpec } from './recipe';

export interface AdamStepResult {
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
}

/** A non-trainable variable of zeros shaped like `p` (the temporary zeros tensor is freed). */
function zerosVariable(p: tf.Tensor): tf.Variable {
  const zeros = tf.zerosLike(p);
  const v = tf.variable(zeros, false);
  zeros.dispose();
  return v;
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly params: readonly tf.Variable[],
    private readonly decayed: ReadonlySet<tf.Variable>,
    private readonly spec: Pick<OptimiserSpec, 'beta1' | 'beta2' | 'epsilon' | 'weightDecay' | 'clipNorm'>,
  ) {
    this.m = params.map((p) => zerosVariable(p));
    this.v = params.map((p) => zerosVariable(p));
  }

  /** Apply one update from `grads` (one per parameter, same order); the grads are disposed. */
  async step(grads: readonly tf.Tensor[], lr: number): Promise<AdamStepResult> {
    const sq = tf.tidy(() => tf.addN(grads.map((g) => g.square().sum()))); // []
    const gradNorm = Math.sqrt((await sq.data())[0]);
    sq.dispose();
    if (!Number.isFinite(gradNorm)) {
      tf.dispose([...grads]);
      throw new Error(`training diverged: the gradient norm is ${gradNorm}`);
    }
    const clip = gradNorm > this.spec.clipNorm ? this.spec.clipNorm / gradNorm : 1;
    this.t++;
    const { beta1, beta2, epsilon, weightDecay } = this.spec;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i].mul(clip); // same shape as p
        const m = this.m[i].mul(beta1).add(g.mul(1 - beta1));
        const v = this.v[i].mul(beta2).add(g.square().mul(1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let update = m.div(c1).div(v.div(c2).sqrt().add(epsilon)); // same shape as p
        if (weightDecay > 0 && this.decayed.has(p)) update = update.add(p.mul(weightDecay));
        p.assign(p.sub(update.mul(lr)));
      });
    });
    tf.dispose([...grads]);
    return { gradNorm };
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
