/**
 * The one place the engine imports TensorFlow.js. `@tensorflow/tfjs` (not tfjs-core alone)
 * registers the gradient functions that training and attribution patching need.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
