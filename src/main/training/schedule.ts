/** Learning-rate schedule: linear warm-up, then cosine decay to a floor. */
import type { OptimiserSpec } from './recipe';

/** Learning rate at `step` (0-based). */
export function learningRateAt(step: number, o: Pick<OptimiserSpec, 'steps' | 'learningRate' | 'warmupSteps' | 'finalLrFraction'>): number {
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (o.learningRate * (step + 1)) / o.warmupSteps;
  const decaySteps = Math.max(1, o.steps - o.warmupSteps - 1);
  const progress = Math.min(1, (step - o.warmupSteps) / decaySteps);
  const floor = o.learningRate * o.finalLrFraction;
  return floor + (o.learningRate - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
