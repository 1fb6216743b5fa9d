/**
 * Each bundled model's MODEL_CARD.md lists every run in RUNS_TRIED exactly as the card generator
 * writes it, in registry order: a run added to the registry without regenerating the cards
 * (`npm run train:default-model -- --card-only`) fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_RECIPES } from '../../src/main/training/defaultRecipe';
import { runTriedRow } from '../../src/main/training/modelCard';
import { RUNS_TRIED } from '../../src/main/training/runsTried';

const resources = join(__dirname, '..', '..', 'resources');

describe('model cards list the runs tried', () => {
  it('each run has its own id (notes and the README name runs by id)', () => {
    const ids = RUNS_TRIED.map((run) => run.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  for (const name of Object.keys(BUNDLED_RECIPES)) {
    it(`${name}/MODEL_CARD.md has one row per RUNS_TRIED entry, in order, then this model's`, () => {
      const lines = readFileSync(join(resources, name, 'MODEL_CARD.md'), 'utf8').split('\n');
      const rows = RUNS_TRIED.map((run) => lines.indexOf(runTriedRow(run)));
      const missing = RUNS_TRIED.filter((_, i) => rows[i] < 0).map((run) => run.id);
      expect(missing).toEqual([]);
      // consecutive table rows, in the registry's order, followed by the card's own run
      expect(rows).toEqual(rows.map((_, i) => rows[0] + i));
      expect(lines[rows[rows.length - 1] + 1]).toMatch(/^\| this model \| workbench \|/);
    });
  }
});
