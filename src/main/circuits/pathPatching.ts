/**
 * Path patching as in the IOI paper (Wang et al. 2022, section 3.1 and appendix B):
 *  1. the sender head is patched from the corrupted run while every other head is frozen at its
 *     clean value (MLPs are recomputed, unless freezeMlps), and the receivers' inputs
 *     (a head's q, k or v input, an MLP's input, or the final residual for the logits) are recorded;
 *  2. a clean run with only those receiver inputs replaced by the recorded values gives the metric.
 * One value per sender head (a layers x heads table) against the chosen receivers.
 *
 * The outline's variant (step 6): the effect of sender h on the OUTPUT of each receiver R itself,
 * |clean output of R - patched output of R| at the last position (mean over prompts), so a
 * circuit can be grown backwards from the logits one receiver at a time.
 *
 * Many senders run at once along the batch axis (copy i patches sender i).
 */
import type { HookedGPT2 } from '../engine/model';
import { blockHook } from '../engine/hookNames';
import type { Hook } from '../engine/hookRunner';
import { tf, type Tensor } from '../engine/tf';
import { metricFor, normalisedMetric, perCopy, type MetricKind } from '../analysis/metrics';
import { AnalysisError, Progress, type AnalysisOptions } from '../analysis/progress';
import { chunkGroup, type PromptBatch, type PromptGroup } from '../analysis/promptBatch';
import { tileCopies } from '../analysis/patching';
import { ModelGraph, NODE_KIND } from './graph';

export interface PathReceiver {
  /** 'a2.h3', 'm1' or 'logits'. */
  node: string;
  /** For heads: which inputs are patched (default all three). */
  inputs?: ('q' | 'k' | 'v')[];
}

export interface PathPatchOptions extends AnalysisOptions {
  receivers: PathReceiver[];
  metric?: MetricKind;
  /** Freeze MLP outputs at their clean values too (the IOI paper recomputes them; default false). */
  freezeMlps?: boolean;
  /** Upper bound on rows x positions of one batched run; default 8192. */
  maxRowTokens?: number;
}

export interface PathPatchResult {
  kind: 'path-patch';
  metric: MetricKind;
  receivers: string[];
  axes: ['layer', 'head'];
  shape: [number, number];
  /** Normalised metric per sender (1 = clean, 0 = corrupted); null where the head is not upstream of any receiver. */
  values: (number | null)[];
  /** The metric itself (dataset mean). */
  raw: (number | null)[];
  baseline: { clean: number; corrupted: number };
  /** Per receiver head or MLP: mean |clean - patched| of its output at the last position, per sender. */
  receiverOutputs: { receiver: string; values: (number | null)[]; cleanNorm: number }[];
  prompts: number;
  runs: number;
}

interface ReceiverSpec {
  label: string;
  node: number;
  layer: number;
  /** Hook names whose activations are recorded and patched, with a head mask over H (undefined: whole tensor). */
  points: { name: string; head?: number }[];
  /** Hook whose output is the receiver's own output (heads: attn.hook_result, MLPs: hook_mlp_out). */
  output?: { name: string; head?: number };
}

function receiverSpecs(g: ModelGraph, receivers: PathReceiver[]): ReceiverSpec[] {
  if (receivers.length === 0) throw new AnalysisError('path patching needs at least one receiver');
  const L = g.shape.nLayer;
  return receivers.map((r) => {
    const node = g.findNode(r.node);
    if (node === undefined || node === 0) throw new AnalysisError(`receiver "${r.node}" is not a head, MLP or the logits of this model (${g.describeShape()})`);
    const kind = g.nodeKind[node];
    if (kind === NODE_KIND.head) {
      const l = g.nodeLayer[node];
      const h = g.nodeHead[node];
      const inputs = r.inputs && r.inputs.length > 0 ? r.inputs : (['q', 'k', 'v'] as const);
      for (const i of inputs) if (i !== 'q' && i !== 'k' && i !== 'v') throw new AnalysisError(`receiver ${r.node}: input ${JSON.stringify(i)} is not q, k or v`);
      return { label: `${r.node}:${inputs.join('')}`, node, layer: l, points: inputs.map((i) => ({ name: blockHook(l, `hook_${i}_input`), head: h })), output: { name: blockHook(l, 'attn.hook_result'), head: h } };
    }
    if (r.inputs && r.inputs.length > 0) throw new AnalysisError(`receiver ${r.node}: only heads have q/k/v inputs`);
    if (kind === NODE_KIND.mlp) {
      const l = g.nodeLayer[node];
      return { label: r.node, node, layer: l, points: [{ name: blockHook(l, 'hook_mlp_in') }], output: { name: blockHook(l, 'hook_mlp_out') } };
    }
    return { label: 'logits', node, layer: L - 1, points: [{ name: blockHook(L - 1, 'hook_resid_post') }] };
  });
}

/** Whether head node `sender` is upstream of receiver node `receiver`. */
function upstream(g: ModelGraph, sender: number, receiver: number): boolean {
  return g.edgeIndex(sender, g.slotsOf(receiver)[0]) >= 0;
}

export async function pathPatching(model: HookedGPT2, batch: PromptBatch, opts: PathPatchOptions): Promise<PathPatchResult> {
  const c = model.config;
  const g = ModelGraph.forConfig(c);
  const { nLayer: L, nHead: H } = c;
  const specs = receiverSpecs(g, opts.receivers);
  const metricKind = opts.metric ?? 'logit-diff';
  const senders: number[] = [];
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) if (specs.some((s) => upstream(g, g.headNode(l, h), s.node))) senders.push(l * H + h);
  if (senders.length === 0) throw new AnalysisError(`no head is upstream of the receivers ${specs.map((s) => s.label).join(', ')}`);
  const lastSenderLayer = Math.max(...senders.map((i) => Math.floor(i / H)));
  const firstReceiverLayer = Math.min(...specs.map((s) => s.layer));
  const maxRowTokens = opts.maxRowTokens ?? 8192;
  const groups = batch.groups.flatMap((gr) => chunkGroup(gr, 64));
  const plan = groups.map((gr) => Math.max(1, Math.floor(maxRowTokens / (gr.rows.length * gr.length))));
  const progress = new Progress(groups.reduce((s, _gr, i) => s + 2 * Math.ceil(senders.length / plan[i]), 0), opts);

  const raw = new Array<number>(L * H).fill(0);
  const outputs = specs.map(() => new Array<number>(L * H).fill(0));
  const cleanNorms = specs.map(() => 0);
  let clean = 0;
  let corrupted = 0;
  let runs = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    const group = groups[gi];
    const weight = group.rows.length / batch.size;
    const zNames = Array.from({ length: lastSenderLayer + 1 }, (_, l) => blockHook(l, 'attn.hook_z'));
    const mlpNames = opts.freezeMlps && !c.attnOnly ? Array.from({ length: L }, (_, l) => blockHook(l, 'hook_mlp_out')) : [];
    const outputNames = [...new Set(specs.flatMap((s) => (s.output ? [s.output.name] : [])))];
    const cleanRun = model.runWithCache(group.clean, [...zNames, ...mlpNames, ...outputNames, blockHook(firstReceiverLayer, 'hook_resid_pre')], { logits: 'last' });
    const corruptedRun = model.runWithCache(group.corrupted, zNames, { logits: 'last' });
    try {
      const metric = metricFor(metricKind, group, cleanRun.logits);
      const [mc, mx] = [await readScalar(metric(cleanRun.logits!)), await readScalar(metric(corruptedRun.logits!))];
      clean += weight * mc;
      corrupted += weight * mx;
      for (let si = 0; si < specs.length; si++) {
        const o = specs[si].output;
        if (o) cleanNorms[si] += weight * (await meanLastNorm(cleanRun.cache.get(o.name), o.head));
      }
      for (let c0 = 0; c0 < senders.length; c0 += plan[gi]) {
        progress.check();
        const chunk = senders.slice(c0, c0 + plan[gi]);
        const k = chunk.length;
        const recordedNames = [...new Set(specs.flatMap((s) => s.points.map((p) => p.name)))];
        // 1. Sender run: sender from corrupted, all other heads frozen clean; record receiver inputs.
        const recorded = tf.tidy(() => {
          const hooks: Hook[] = zNames.map((name, l) => ({
            name,
            fn: () => {
              const m = new Uint8Array(k * H);
              chunk.forEach((s, i) => {
                if (Math.floor(s / H) === l) m[i * H + (s % H)] = 1;
              });
              const mask = tf.broadcastTo(tf.tensor(m, [k, 1, 1, H, 1], 'bool'), [k, group.rows.length, group.length, H, 1]).reshape([k * group.rows.length, group.length, H, 1]); // [kB, T, H, 1]
              return tf.where(mask, tileCopies(corruptedRun.cache.get(name), k), tileCopies(cleanRun.cache.get(name), k)); // [kB, T, H, dh]
            },
          }));
          for (const name of mlpNames) hooks.push({ name, fn: () => tileCopies(cleanRun.cache.get(name), k) });
          const names = recordedNames;
          const stop = Math.max(...specs.map((s) => s.layer)) + 1; // nothing after the last receiver matters
          const run = model.runWithCache(tileTokens(group, k), names, stop < L ? { stopAtLayer: stop } : { logits: 'none' }, hooks);
          run.resid?.dispose();
          return names.map((n) => run.cache.get(n));
        });
        runs++;
        await progress.step();
        // 2. Receiver run: clean, with only the receivers' inputs patched.
        const result = tf.tidy(() => {
          const byName = new Map(recordedNames.map((n, i) => [n, recorded[i]]));
          const hooks: Hook[] = [];
          const headsOf = new Map<string, Set<number> | 'all'>();
          for (const s of specs) {
            for (const p of s.points) {
              const cur = headsOf.get(p.name);
              if (p.head === undefined || cur === 'all') headsOf.set(p.name, 'all');
              else headsOf.set(p.name, new Set([...(cur ?? []), p.head]));
            }
          }
          for (const [name, heads] of headsOf) {
            const source = byName.get(name)!;
            hooks.push({
              name,
              fn: (x) => {
                if (heads === 'all') return source;
                const m = new Uint8Array(H);
                for (const h of heads) m[h] = 1;
                return tf.where(tf.broadcastTo(tf.tensor(m, [1, 1, H, 1], 'bool'), x.shape), source, x); // [kB, T, H, D]
              },
            });
          }
          const resid = tileCopies(cleanRun.cache.get(blockHook(firstReceiverLayer, 'hook_resid_pre')), k); // [kB, T, D]
          const run = model.runFromLayer(firstReceiverLayer, resid, hooks, { logits: 'last' }, outputNames);
          const values = perCopy(metric, run.logits!, k); // [k]
          const outs = specs.map((s) => (s.output ? lastNormPerCopy(cleanRun.cache.get(s.output.name), run.cache.get(s.output.name), s.output.head, k) : undefined)); // [k] each
          run.cache.dispose();
          return { values, outs };
        });
        tf.dispose(recorded);
        const v = await result.values.data();
        chunk.forEach((s, i) => (raw[s] += weight * v[i]));
        for (let si = 0; si < specs.length; si++) {
          const o = result.outs[si];
          if (!o) continue;
          const d = await o.data();
          chunk.forEach((s, i) => (outputs[si][s] += weight * d[i]));
        }
        tf.dispose([result.values, ...result.outs.filter((t): t is Tensor => t !== undefined)]);
        runs++;
        await progress.step();
      }
    } finally {
      cleanRun.cache.dispose();
      corruptedRun.cache.dispose();
      tf.dispose([cleanRun.logits!, corruptedRun.logits!]);
    }
  }
  const isSender = new Uint8Array(L * H);
  for (const s of senders) isSender[s] = 1;
  const upstreamOf = (si: number, i: number): boolean => upstream(g, g.headNode(Math.floor(i / H), i % H), specs[si].node);
  return {
    kind: 'path-patch',
    metric: metricKind,
    receivers: specs.map((s) => s.label),
    axes: ['layer', 'head'],
    shape: [L, H],
    values: raw.map((v, i) => (isSender[i] ? normalisedMetric(v, clean, corrupted) : null)),
    raw: raw.map((v, i) => (isSender[i] ? v : null)),
    baseline: { clean, corrupted },
    receiverOutputs: specs.flatMap((s, si) => (s.output ? [{ receiver: g.nodeIds[s.node], values: outputs[si].map((v, i) => (upstreamOf(si, i) ? v : null)), cleanNorm: cleanNorms[si] }] : [])),
    prompts: batch.size,
    runs,
  };
}

function tileTokens(group: PromptGroup, k: number): number[][] {
  const out: number[][] = [];
  for (let c = 0; c < k; c++) for (const row of group.clean) out.push(row);
  return out;
}

/** |clean - patched| at the last position of one head's result (or a [B, T, D] output), mean over rows, per copy: [k]. */
function lastNormPerCopy(cleanOut: Tensor, patchedOut: Tensor, head: number | undefined, k: number): Tensor {
  return tf.tidy(() => {
    const pick = (x: Tensor): Tensor => {
      const T = x.shape[1] as number;
      const last = x.slice([0, T - 1], [-1, 1]); // [*, 1, ...]
      return head === undefined ? last.reshape([x.shape[0] as number, -1]) : last.gather([head], 2).reshape([x.shape[0] as number, -1]); // [*, D]
    };
    const c = tileCopies(pick(cleanOut), k); // [kB, D]
    const p = pick(patchedOut); // [kB, D]
    return c.sub(p).square().sum(1).sqrt().reshape([k, -1]).mean(1); // [k]
  });
}

/** Mean over rows of |output| at the last position (the scale the output effects compare with). */
async function meanLastNorm(out: Tensor, head: number | undefined): Promise<number> {
  const t = tf.tidy(() => {
    const T = out.shape[1] as number;
    const last = out.slice([0, T - 1], [-1, 1]);
    const v = head === undefined ? last.reshape([out.shape[0] as number, -1]) : last.gather([head], 2).reshape([out.shape[0] as number, -1]); // [B, D]
    return v.square().sum(1).sqrt().mean();
  });
  const x = (await t.data())[0];
  t.dispose();
  return x;
}

async function readScalar(t: Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}
