/** Every job kind the workbench registers has a label for the runs list (no raw kind strings shown). */
import { describe, expect, it } from 'vitest';
import { ANALYSIS_LABELS, JOB_KIND_LABELS } from '../../src/shared/api/analysisKinds';
import { workbenchJobRegistry } from '../../src/main/jobs/handlers';
import { MOMENT_RUN_KIND } from '../../src/main/editing/rome/momentCache';

describe('run labels', () => {
  it('name every registered job kind, and the cached key-moment runs', () => {
    const labels: Record<string, string> = { ...ANALYSIS_LABELS, ...JOB_KIND_LABELS };
    const missing = [...workbenchJobRegistry().kinds(), MOMENT_RUN_KIND].filter((kind) => !labels[kind]);
    expect(missing).toEqual([]);
  });
});
