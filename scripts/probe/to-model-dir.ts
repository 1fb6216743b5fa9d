/**
 * PyTorch probe, part 3 (not part of install or tests): turn replay.py's save=FILE weights into a
 * model folder the workbench opens, so its own copy scores and patching can judge a probe.
 *   npx tsx scripts/probe/to-model-dir.ts WEIGHTS.json OUT_DIR
 */
import { readFileSync } from 'node:fs';
import { defaultTokenizerJson } from '../../src/main/datasets';
import { writeModelDir } from '../../src/main/loader/modelDirWriter';
import type { ParamDict } from '../../src/main/engine/params';
import type { ModelConfig } from '../../src/main/engine/config';

const [weightsFile, outDir] = process.argv.slice(2);
const saved = JSON.parse(readFileSync(weightsFile, 'utf8')) as { config: ModelConfig; params: Record<string, { shape: number[]; data: number[] }> };
const params: ParamDict = new Map(Object.entries(saved.params).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]));
await writeModelDir(outDir, { config: saved.config, params, tokenizerJson: defaultTokenizerJson() });
console.log(`wrote ${outDir}`);
