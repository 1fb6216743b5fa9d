/** LayerNorm pieces for analyses that push vectors through parts of the model by hand. */
import type { HookedGPT2 } from '../engine/model';
import type { LayerNormWeights } from '../engine/weights';
import { tf, type Tensor } from '../engine/tf';

/** The model's normalisation of x [..., D] with a block's LayerNorm weights (full LN: weight and bias). */
export function layerNorm(model: HookedGPT2, x: Tensor, w: LayerNormWeights | undefined, withBias = true): Tensor {
  if (model.config.normalization === 'none') return x.clone();
  return tf.tidy(() => {
    const centred = x.sub(x.mean(-1, true)); // [..., D]
    const normed = centred.div(centred.square().mean(-1, true).add(model.config.lnEps).sqrt()); // [..., D]
    if (!w) return normed;
    const scaled = normed.mul(w.w); // [..., D]
    return withBias ? scaled.add(w.b) : scaled;
  });
}
