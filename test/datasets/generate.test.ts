import { describe, expect, it } from 'vitest';
import {
  ANTONYM_PAIRS,
} from '../../src/main/datasets/words';
import {
  CORRUPTIONS,
  DEFAULT_CORRUPTION,
  defaultTemplateIds,
  TASK_NAMES,
  generate,
  generateDataset,
  templateIds,
  validateDataset,
  type Corruption,
  type TaskItem,
  type TaskName,
} from '../../src/main/datasets';
import { defaultTokenizer } from './defaultTokenizer';

const words = (text: string) => text.match(/[A-Za-z]+|[,.]/g) ?? [];
const count = (list: string[], w: string) => list.filter((x) => x === w).length;

describe('generate: determinism', () => {
  for (const task of TASK_NAMES) {
    it(`${task}: same seed and options give the same items; other seeds give other items`, () => {
      const a = generate(task, { n: 50, seed: 7 });
      const b = generate(task, { n: 50, seed: 7 });
      expect(b).toEqual(a);
      const c = generate(task, { n: 50, seed: 8 });
      const overlap = c.filter((item, i) => item.clean === a[i].clean).length;
      expect(overlap).toBeLessThan(5);
    });

    it(`${task}: the clean items of a seed do not depend on the corruption scheme`, () => {
      const base = generate(task, { n: 40, seed: 3 }).map((i) => [i.clean, i.correct, i.incorrect, i.template]);
      for (const corruption of CORRUPTIONS[task]) {
        const other = generate(task, { n: 40, seed: 3, corruption }).map((i) => [i.clean, i.correct, i.incorrect, i.template]);
        expect(other).toEqual(base);
      }
    });

    it(`${task}: every default template is used and the prefix of a longer run is the shorter run`, () => {
      const items = generate(task, { n: 400, seed: 11 });
      expect(new Set(items.map((i) => i.template))).toEqual(new Set(defaultTemplateIds(task)));
      expect(generate(task, { n: 25, seed: 11 })).toEqual(items.slice(0, 25));
    });
  }
});

describe('generate: every item validates against the default vocabulary tokenizer', () => {
  const tokenizer = defaultTokenizer();
  for (const task of TASK_NAMES) {
    for (const corruption of CORRUPTIONS[task]) {
      for (const split of ['train', 'heldout', 'all'] as const) {
        it(`${task} / ${corruption} / ${split}`, () => {
          // Every template, opt-in ones included.
          const items = generate(task, { n: 300, seed: 5, split, corruption, templates: templateIds(task) });
          expect(items).toHaveLength(300);
          expect(validateDataset(items, tokenizer)).toEqual([]);
          for (const item of items) {
            // Independently of validateDataset: equal token lengths, single-token answers, no <unk>.
            const clean = tokenizer.encode(item.clean);
            const corrupted = tokenizer.encode(item.corrupted);
            expect(corrupted.length).toBe(clean.length);
            expect(clean).not.toContain(tokenizer.unkId);
            expect(corrupted).not.toContain(tokenizer.unkId);
            expect(tokenizer.encode(item.correct)).toHaveLength(1);
            expect(tokenizer.encode(item.incorrect)).toHaveLength(1);
            expect(item.correct.startsWith(' ') && item.incorrect.startsWith(' ')).toBe(true);
            expect(item.correct).not.toBe(item.incorrect);
            expect(item.task).toBe(task);
            expect(item.meta?.corruption).toBe(corruption);
          }
        });
      }
    }
  }
});

describe('IOI', () => {
  const names = (item: TaskItem) => words(item.clean).filter((w) => /^[A-Z]/.test(w) && !['When', 'Then', 'While', 'After', 'Afterwards', 'Friends'].includes(w));

  it('clean prompts name IO once and S twice, in ABBA or BABA order, S2 last', () => {
    const items = generate('ioi', { n: 300, seed: 1 });
    const orders = new Set<string>();
    for (const item of items) {
      const io = item.correct.trim();
      const s = item.incorrect.trim();
      const n = names(item);
      expect(n).toHaveLength(3);
      expect(count(n, io)).toBe(1);
      expect(count(n, s)).toBe(2);
      expect(n[2]).toBe(s);
      const order = n[0] === io ? 'ABBA' : 'BABA';
      expect(item.template.endsWith(order)).toBe(true);
      orders.add(order);
      expect(item.clean.endsWith(' to')).toBe(true);
    }
    expect(orders).toEqual(new Set(['ABBA', 'BABA']));
    // Several places, objects and verbs.
    expect(new Set(items.map((i) => i.meta?.place)).size).toBeGreaterThan(8);
    expect(new Set(items.map((i) => i.meta?.object)).size).toBeGreaterThan(8);
    expect(new Set(items.map((i) => i.meta?.verb).filter(Boolean)).size).toBeGreaterThan(5);
  });

  it("'swap': S2 becomes IO, so the clean S is the name the corrupted prompt asks for", () => {
    for (const item of generate('ioi', { n: 200, seed: 2, corruption: 'swap' })) {
      const c = words(item.corrupted);
      const k = words(item.clean);
      const diff = k.map((w, i) => (w === c[i] ? -1 : i)).filter((i) => i >= 0);
      expect(diff).toHaveLength(1);
      expect(k[diff[0]]).toBe(item.incorrect.trim());
      expect(c[diff[0]]).toBe(item.correct.trim());
      // In the corrupted prompt IO is repeated and S appears once: S is its indirect object.
      expect(count(c, item.correct.trim())).toBe(2);
      expect(count(c, item.incorrect.trim())).toBe(1);
    }
  });

  it("'abc': three fresh distinct names, neither IO nor S appears, everything else unchanged", () => {
    for (const item of generate('ioi', { n: 200, seed: 3, corruption: 'abc' })) {
      const c = words(item.corrupted);
      const k = words(item.clean);
      const changed = k.map((w, i) => (w === c[i] ? -1 : i)).filter((i) => i >= 0);
      expect(changed).toHaveLength(3);
      const fresh = changed.map((i) => c[i]);
      expect(new Set(fresh).size).toBe(3);
      expect(c).not.toContain(item.correct.trim());
      expect(c).not.toContain(item.incorrect.trim());
    }
  });

  it("'abc-s2': only S2 changes, to a third name, so no name repeats", () => {
    for (const item of generate('ioi', { n: 200, seed: 4, corruption: 'abc-s2' })) {
      const c = words(item.corrupted);
      const k = words(item.clean);
      const changed = k.map((w, i) => (w === c[i] ? -1 : i)).filter((i) => i >= 0);
      expect(changed).toHaveLength(1);
      expect(k[changed[0]]).toBe(item.incorrect.trim());
      const third = c[changed[0]];
      expect([item.correct.trim(), item.incorrect.trim()]).not.toContain(third);
      expect(count(c, item.correct.trim())).toBe(1);
      expect(count(c, item.incorrect.trim())).toBe(1);
    }
  });
});

/**
 * An independent reader of comparison prompts: it parses the text and decides the answer from
 * the antonym table, without the generator's slots.
 */
function direction(comparative: string): { pair: number; up: boolean } {
  const pair = ANTONYM_PAIRS.findIndex((p) => p.comparative.includes(comparative));
  if (pair < 0) throw new Error(`not a comparative: ${comparative}`);
  return { pair, up: ANTONYM_PAIRS[pair].comparative[0] === comparative };
}

/** The answer a prompt asks for, or null when the prompt has no consistent answer. */
function readComparison(prompt: string): string | null {
  let m = /^(\w+) is (\w+) than (\w+), \w+ the (\w+) one is$/.exec(prompt);
  let premise: { higher: string; lower: string; word: string } | undefined;
  let question: { kind: 'one'; word: string } | { kind: 'subject'; subject: string; word: string } | undefined;
  if (m) {
    const up = direction(m[2]).up;
    premise = { higher: up ? m[1] : m[3], lower: up ? m[3] : m[1], word: m[2] };
    question = { kind: 'one', word: m[4] };
  } else if ((m = /^Compared to (\w+), (\w+) is (\w+), \w+ the (\w+) one is$/.exec(prompt))) {
    const up = direction(m[3]).up;
    premise = { higher: up ? m[2] : m[1], lower: up ? m[1] : m[2], word: m[3] };
    question = { kind: 'one', word: m[4] };
  } else if ((m = /^(\w+) is (\w+) than (\w+) and (\w+) is (\w+) than (\w+), \w+ the (\w+) one is$/.exec(prompt))) {
    // Two premises: the conclusion asks about the one whose pair its adjective belongs to.
    const asked = direction(m[7]).pair;
    const [s, w, o] = direction(m[2]).pair === asked ? [m[1], m[2], m[3]] : [m[4], m[5], m[6]];
    expect(direction(m[2]).pair).not.toBe(direction(m[5]).pair);
    const up = direction(w).up;
    premise = { higher: up ? s : o, lower: up ? o : s, word: w };
    question = { kind: 'one', word: m[7] };
  } else if ((m = /^(\w+) is (\w+) than (\w+), \w+ (\w+) is$/.exec(prompt))) {
    // The word form asks for the comparative that relates S to the other person.
    const { pair, up } = direction(m[2]);
    const [first, second] = ANTONYM_PAIRS[pair].comparative;
    return m[4] === m[1] ? m[2] : up ? second : first;
  } else if ((m = /^(\w+) is (\w+) than (\w+), \w+ (\w+) is (\w+) than$/.exec(prompt))) {
    const up = direction(m[2]).up;
    premise = { higher: up ? m[1] : m[3], lower: up ? m[3] : m[1], word: m[2] };
    question = { kind: 'subject', subject: m[4], word: m[5] };
  }
  if (!premise || !question) throw new Error(`unrecognised comparison prompt: ${prompt}`);
  expect(direction(question.word).pair).toBe(direction(premise.word).pair);
  const asksHigher = direction(question.word).up;
  if (question.kind === 'one') return asksHigher ? premise.higher : premise.lower;
  // "S is <higher-word> than ?" is answerable only when S is the higher one, and vice versa.
  if (asksHigher) return question.subject === premise.higher ? premise.lower : null;
  return question.subject === premise.lower ? premise.higher : null;
}

describe('comparison', () => {
  // Every template, the opt-in ones included.
  const templates = templateIds('comparison');

  it('the correct answer follows from the premise and the (antonym) conclusion', () => {
    const items = generate('comparison', { n: 400, seed: 1, templates });
    for (const item of items) {
      expect(readComparison(item.clean)).toBe(item.correct.trim());
      // A name answer's rival is in the prompt; a word answer's rival is its antonym.
      if (item.template.startsWith('comparison/word/')) expect(direction(item.incorrect.trim()).pair).toBe(direction(item.correct.trim()).pair);
      else expect(words(item.clean)).toContain(item.incorrect.trim());
    }
    expect(new Set(items.map((i) => i.meta?.pair)).size).toBe(ANTONYM_PAIRS.length);
  });

  for (const corruption of CORRUPTIONS.comparison) {
    it(`'${corruption}': the corrupted prompt is consistent and asks for the other name`, () => {
      for (const item of generate('comparison', { n: 400, seed: 2, corruption, templates })) {
        expect(readComparison(item.corrupted)).toBe(item.incorrect.trim());
      }
    });
  }

  it("premise 'first' states the first comparative of the pair in every premise; 'either' states both", () => {
    const firstOf = new Map(ANTONYM_PAIRS.map((p) => [p.base.join('/'), p.comparative[0]]));
    const first = generate('comparison', { n: 300, seed: 4, templates, premise: 'first' });
    for (const item of first) {
      expect(item.meta?.premise).toBe(firstOf.get(item.meta!.pair));
      expect(readComparison(item.clean)).toBe(item.correct.trim());
    }
    const either = generate('comparison', { n: 300, seed: 4, templates });
    expect(either.filter((i) => i.meta?.premise !== firstOf.get(i.meta!.pair)).length).toBeGreaterThan(100);
    // Only the premise differs: same names and pairs in the same order.
    expect(first.map((i) => [i.meta?.a, i.meta?.pair])).toEqual(either.map((i) => [i.meta?.a, i.meta?.pair]));
  });

  it("'flip' changes only the conclusion; the premise stays as it was", () => {
    for (const item of generate('comparison', { n: 200, seed: 3, corruption: 'flip', templates })) {
      const [cleanPremise] = item.clean.split(',');
      const [corruptPremise] = item.corrupted.split(',');
      expect(corruptPremise).toBe(cleanPremise);
      expect(item.corrupted).not.toBe(item.clean);
    }
  });

  it("'premise' states the premise's antonym and keeps the conclusion's comparative", () => {
    const items = generate('comparison', { n: 300, seed: 5, corruption: 'premise', templates });
    for (const item of items) {
      const cleanWords = words(item.clean);
      const corruptWords = words(item.corrupted);
      expect(corruptWords.length).toBe(cleanWords.length);
      const changed = cleanWords.flatMap((w, i) => (w === corruptWords[i] ? [] : [[w, corruptWords[i]]]));
      const [cleanX, corruptX] = changed.find(([w]) => ANTONYM_PAIRS.some((p) => p.comparative.includes(w)))!;
      expect(direction(corruptX).pair).toBe(direction(cleanX).pair);
      expect(corruptX).not.toBe(cleanX);
      // The conclusion's comparative (the last one) is the same in both prompts.
      const lastComparative = (ws: string[]) => ws.filter((w) => ANTONYM_PAIRS.some((p) => p.comparative.includes(w))).at(-1);
      if (!item.template.startsWith('comparison/word/')) expect(lastComparative(corruptWords)).toBe(lastComparative(cleanWords));
      // Besides the asked premise's comparative, only the subject form's subject may change.
      expect(changed.length).toBe(item.template.startsWith('comparison/subject/') ? 2 : 1);
    }
    expect(new Set(items.map((i) => i.template))).toEqual(new Set(templates));
  });
});

describe('latest', () => {
  const subjects = (prompt: string) =>
    words(prompt).filter((w) => /^[A-Z]/.test(w) && !['First', 'After', 'The'].includes(w));

  it('the correct answer is the last subject to act, the incorrect one the subject before', () => {
    const items = generate('latest', { n: 300, seed: 1 });
    const counts = new Set<number>();
    for (const item of items) {
      const s = subjects(item.clean);
      counts.add(s.length);
      expect(new Set(s).size).toBe(s.length);
      expect(s[s.length - 1]).toBe(item.correct.trim());
      expect(s[s.length - 2]).toBe(item.incorrect.trim());
    }
    expect(counts).toEqual(new Set([2, 3]));
  });

  it("'swap' exchanges the last two subjects, so the clean incorrect name is the latest", () => {
    for (const item of generate('latest', { n: 200, seed: 2 })) {
      const s = subjects(item.corrupted);
      expect(s[s.length - 1]).toBe(item.incorrect.trim());
      expect(s[s.length - 2]).toBe(item.correct.trim());
      expect(subjects(item.clean).slice(0, -2)).toEqual(s.slice(0, -2));
    }
  });
});

describe('generate: options', () => {
  it('an id named twice is drawn twice as often; the order of the ids does not matter', () => {
    const [a, b] = defaultTemplateIds('comparison');
    const items = generate('comparison', { n: 3000, seed: 12, templates: [a, a, b] });
    const shareA = items.filter((i) => i.template === a).length / items.length;
    // binomial standard deviation at n = 3000 is 0.0086; 0.04 is over 4 of them
    expect(Math.abs(shareA - 2 / 3)).toBeLessThan(0.04);
    expect(generate('comparison', { n: 50, seed: 12, templates: [b, a] })).toEqual(generate('comparison', { n: 50, seed: 12, templates: [a, b] }));
  });

  it('draws opt-in templates only when they are named', () => {
    const optIn = templateIds('comparison').filter((t) => !defaultTemplateIds('comparison').includes(t));
    expect(optIn).toEqual(['comparison/subject/antonym', 'comparison/subject/same', 'comparison/word/antonym', 'comparison/word/same', 'comparison/two-premises/antonym', 'comparison/two-premises/same']);
    const byDefault = new Set(generate('comparison', { n: 200, seed: 4 }).map((i) => i.template));
    expect(byDefault).toEqual(new Set(defaultTemplateIds('comparison')));
    const named = generate('comparison', { n: 200, seed: 4, templates: optIn });
    expect(new Set(named.map((i) => i.template))).toEqual(new Set(optIn));
    for (const item of named) expect(readComparison(item.clean)).toBe(item.correct.trim());
  });

  it('restricts to the requested templates', () => {
    const items = generate('latest', { n: 50, seed: 1, templates: ['latest/then/3'] });
    expect(new Set(items.map((i) => i.template))).toEqual(new Set(['latest/then/3']));
  });

  it('names the bad option', () => {
    expect(() => generate('ioi', { n: -1, seed: 1 })).toThrow(/"n" must be a non-negative integer, got -1/);
    expect(() => generate('ioi', { n: 1.5, seed: 1 })).toThrow(/"n"/);
    expect(() => generate('ioi', { n: 1, seed: 0.5 })).toThrow(/"seed" must be an integer/);
    expect(() => generate('latest', { n: 1, seed: 1, corruption: 'abc' })).toThrow(
      /corruption "abc" is not available for task "latest" \(expected one of: swap\)/,
    );
    expect(() => generate('ioi', { n: 1, seed: 1, split: 'test' as never })).toThrow(/"split" must be one of/);
    expect(() => generate('comparison', { n: 1, seed: 1, premise: 'second' as never })).toThrow(/"premise" must be one of either, first, got "second"/);
    expect(() => generate('ioi', { n: 1, seed: 1, templates: ['ioi/nope'] })).toThrow(/unknown template\(s\) for task "ioi": ioi\/nope/);
    expect(() => generate('nope' as TaskName, { n: 1, seed: 1 })).toThrow(/unknown task "nope"/);
  });

  it('every task has a default corruption among its schemes', () => {
    for (const task of TASK_NAMES) expect(CORRUPTIONS[task]).toContain(DEFAULT_CORRUPTION[task] as Corruption);
  });

  it('reports progress and stops when aborted', () => {
    const seen: number[] = [];
    generate('ioi', { n: 2500, seed: 1, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([1000, 2000, 2500]);
    const controller = new AbortController();
    let error: Error | undefined;
    try {
      generate('ioi', {
        n: 5000,
        seed: 1,
        signal: controller.signal,
        onProgress: (done) => done >= 2000 && controller.abort(),
      });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('AbortError');
    expect(error?.message).toMatch(/aborted after 2000 of 5000 items/);
  });

  it('generateDataset names the dataset after its options', () => {
    const d = generateDataset('comparison', { n: 3, seed: 9, split: 'heldout' });
    expect(d.name).toBe('comparison-heldout-flip-seed9-n3');
    expect(d.task).toBe('comparison');
    expect(d.items).toEqual(generate('comparison', { n: 3, seed: 9, split: 'heldout' }));
  });
});
