/**
 * Position-aware analyses on generated datasets that mix templates: named positions come from the
 * templates' slots (checked against the words the generator put there), every row lands in one
 * group of one template and length, and the per-group patching and DLA equal the same analyses
 * run on each template's items alone (encoded separately, so a different route to the numbers).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import { generate, itemSlots, templateIds, TASK_NAMES, type TaskItem } from '../../src/main/datasets';
import { splitWords } from '../../src/main/datasets/text';
import { encodeTaskItems, positionLabels } from '../../src/main/analysis/promptBatch';
import { namedPositions } from '../../src/main/analysis/attention';
import { positionGroups, slotPositions, type PositionGroup } from '../../src/main/analysis/positionGroups';
import { dlaPanels, isPositionalTarget, patchingPanels } from '../../src/main/analysis/positionPanels';
import { activationPatching, PATCH_TARGETS } from '../../src/main/analysis/patching';
import { directLogitAttribution } from '../../src/main/analysis/dla';
import { openModel, type ModelSession } from '../../src/main/services/modelSession';
import { makeTmpDir, removeTmpDirs } from '../helpers/hfFixtures';
import { writeTaskModel } from '../helpers/taskModel';
import { startBackend } from '../helpers/engine';

let session: ModelSession;

beforeAll(async () => {
  await startBackend();
  session = await openModel(await writeTaskModel(join(await makeTmpDir('cwb-positions-'), 'task-model')));
});
afterAll(async () => {
  session?.model.dispose();
  await removeTmpDirs();
});

const encode = (items: TaskItem[]) => encodeTaskItems(items, session.tokenizer, session.config);
const groupsOf = (items: TaskItem[]): PositionGroup[] =>
  positionGroups(encode(items), (item, ids) => slotPositions(item, ids, session.tokenizer), (ids) => positionLabels(session.tokenizer, ids));
/** Every template of a task, opt-in ones included, a few items each. */
const mixed = (task: (typeof TASK_NAMES)[number], n: number): TaskItem[] => generate(task, { n, seed: 11, templates: templateIds(task) });

describe('named positions from the templates', () => {
  it.each(TASK_NAMES.map((t) => [t]))('%s: every slot names the word the generator put there', (task) => {
    for (const item of mixed(task, 60)) {
      const slots = itemSlots(item);
      expect(slots, item.template).toBeDefined();
      const words = splitWords(item.clean);
      for (const s of slots!) {
        expect(words[s.wordIndex]).toBe(s.word);
        expect(words.slice(0, s.wordIndex).filter((w) => w === s.word)).toHaveLength(s.occurrence);
      }
      const byName = Object.fromEntries(slots!.map((s) => [s.name, s.word]));
      const meta = item.meta!;
      if (task === 'ioi') expect([byName.IO, byName.S1, byName.S2]).toEqual([meta.io, meta.s, meta.s]);
      if (task === 'comparison') expect([byName.A, byName.B, byName.X, byName.Y]).toEqual([meta.a, meta.b, meta.premise, meta.conclusion]);
      if (task === 'latest') expect(meta.subjects.split(',')).toEqual(slots!.filter((s) => /^N\d$/.test(s.name)).map((s) => s.word));
    }
  });

  it.each(TASK_NAMES.map((t) => [t]))('%s: token positions hold the slot words; END is the last token; the meta-based names agree', (task) => {
    for (const item of mixed(task, 30)) {
      const ids = encode([item]).groups[0].clean[0];
      const pos = slotPositions(item, ids, session.tokenizer)!;
      for (const s of itemSlots(item)!) expect(session.tokenizer.tokenStrings([ids[pos[s.name]]])[0].trim()).toBe(s.word);
      if (task === 'ioi') expect(pos.S2).toBeGreaterThan(pos.S1);
      expect(pos.END).toBe(ids.length - 1);
      const fromMeta = namedPositions(item, ids, session.tokenizer);
      expect(Object.keys(fromMeta).length).toBeGreaterThan(2);
      for (const [name, at] of Object.entries(fromMeta)) expect(pos[name], `${item.template} ${name}`).toBe(at);
    }
  });

  it('an item that borrows a template id with other words has no slots', () => {
    const [item] = generate('ioi', { n: 1, seed: 2 });
    const other = { ...item, clean: item.clean.replace(' to', ' towards') };
    expect(itemSlots(other)).toBeUndefined();
    expect(itemSlots({ ...item, template: 'ioi/not-a-template/ABBA' })).toBeUndefined();
    const ids = encode([item]).groups[0].clean[0];
    expect(slotPositions({ ...item, template: 'imported' }, ids, session.tokenizer)).toBeUndefined();
  });
});

describe('position groups', () => {
  it('put every row of a mixed dataset in exactly one group of one template and one length, labelled by name', () => {
    const items = mixed('ioi', 40);
    const groups = groupsOf(items);
    const rows = groups.flatMap((g) => g.rows).sort((a, b) => a - b);
    expect(rows).toEqual(items.map((_, i) => i));
    expect(new Set(groups.map((g) => g.key)).size).toBe(groups.length);
    expect(groups.length).toBe(new Set(items.map((i) => i.template)).size);
    for (const g of groups) {
      expect(g.rows.every((r) => items[r].template === g.template)).toBe(true);
      expect(g.batch.size).toBe(g.rows.length);
      expect(g.batch.groups[0].clean.every((ids) => ids.length === g.length)).toBe(true);
      expect(g.positions).toHaveLength(g.length);
      const first = slotPositions(items[g.rows[0]], g.batch.groups[0].clean[0], session.tokenizer)!;
      for (const name of ['IO', 'S1', 'S2', 'END']) expect(g.positions[first[name]]).toBe(name);
      expect(g.ambiguous).toEqual([]);
    }
  });

  it('a name whose position differs between prompts of a group is reported and not used as a label', () => {
    const items = generate('ioi', { n: 4, seed: 3, templates: ['ioi/when-went/ABBA'] });
    let calls = 0;
    // The first prompt puts X at position 1, the others at 2.
    const [g] = positionGroups(encode(items), (_item, ids) => ({ END: ids.length - 1, X: calls++ === 0 ? 1 : 2, Y: 3 }), (ids) => positionLabels(session.tokenizer, ids));
    expect(calls).toBe(4);
    expect(g.ambiguous).toEqual(['X']);
    expect(g.positions).not.toContain('X');
    expect(g.positions[2]).toBe(positionLabels(session.tokenizer, g.batch.groups[0].clean[0])[2]);
    expect(g.positions[3]).toBe('Y');
    expect(g.positions[g.length - 1]).toBe('END');
  });
});

describe('panels per template', () => {
  it('the positional patching targets are exactly those whose result has a position axis', async () => {
    const items = generate('ioi', { n: 2, seed: 4, templates: ['ioi/when-went/ABBA'] });
    for (const target of PATCH_TARGETS) {
      const r = await activationPatching(session.model, encode(items), { target });
      expect(isPositionalTarget(target), target).toBe(r.axes.includes('position'));
    }
  });

  it('residual patching by position: one panel per template, each equal to patching that template alone', async () => {
    const items = generate('ioi', { n: 12, seed: 5, templates: ['ioi/when-went/ABBA', 'ioi/then-went/BABA', 'ioi/friends-found/ABBA'] });
    const groups = groupsOf(items);
    const start = tf.memory().numTensors;
    const result = await patchingPanels(session.model, groups, { target: 'resid' });
    expect(tf.memory().numTensors).toBe(start);
    expect(result.prompts).toBe(items.length);
    expect(result.panels.map((p) => p.template).sort()).toEqual([...new Set(items.map((i) => i.template))].sort());
    for (const panel of result.panels) {
      const alone = await activationPatching(session.model, encode(items.filter((i) => i.template === panel.template)), { target: 'resid' });
      expect(panel.result.shape).toEqual(alone.shape);
      panel.result.raw.forEach((v, i) => expect(v).toBeCloseTo(alone.raw[i], 4));
      expect(panel.result.labels.position).toEqual(panel.positions);
      expect(panel.positions).toEqual(expect.arrayContaining(['IO', 'S1', 'S2', 'END']));
    }
  });

  it('DLA by source position: one table per template, equal to DLA on that template alone; per-item results keep dataset order', async () => {
    const items = generate('ioi', { n: 10, seed: 6, templates: ['ioi/when-went/BABA', 'ioi/afterwards/ABBA'] });
    const groups = groupsOf(items);
    const result = await dlaPanels(session.model, groups, items.length);
    const whole = await directLogitAttribution(session.model, encode(items));
    result.perPrompt.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(whole.perPrompt[i][c], 4)));
    expect(result.byPosition).toHaveLength(result.panels.length);
    for (const [i, panel] of result.panels.entries()) {
      const alone = await directLogitAttribution(session.model, encode(items.filter((it) => it.template === panel.template)));
      expect(alone.byPosition).toHaveLength(1);
      expect(result.byPosition[i].shape).toEqual(alone.byPosition[0].shape);
      result.byPosition[i].values.forEach((v, j) => expect(v).toBeCloseTo(alone.byPosition[0].values[j], 4));
      expect(result.byPosition[i].positions).toEqual(panel.positions);
      expect(result.byPosition[i].prompts).toBe(panel.rows.length);
    }
  });
});
