/**
 * Desktop "Open the report": a study-report address opens the study's own file in the system's
 * viewer (Electron's shell.openPath, faked), found exactly as serve mode finds it; anything else
 * is left alone, and a refusal names the address and the reason in a dialog.
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiRouter } from '../../src/main/api/router';
import { STUDY_JOB_KIND } from '../../src/main/study/plan';
import { studyReportOpener } from '../../src/main/shell/studyReportOpener';
import { studyReportUrl } from '../../src/shared/studyReport';
import { FakeDialog, FakeShell } from './fakeElectron';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cwb-opener-'));
const outDir = path.join(dir, 'study');
mkdirSync(path.join(outDir, 'figures'), { recursive: true });
writeFileSync(path.join(outDir, 'report.html'), '<html></html>');
writeFileSync(path.join(dir, 'secret.svg'), '<svg/>');
symlinkSync(path.join(dir, 'secret.svg'), path.join(outDir, 'figures', 'link.svg'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs 7 (a finished study), 8 (a study still running) and 9 (not a study); run.get as the API answers it. */
const router = {
  invoke: async (op: string, args: { runId: number }) => {
    if (op !== 'run.get') throw new Error(`unexpected ${op}`);
    const runs: Record<number, { kind: string; status: string }> = { 7: { kind: STUDY_JOB_KIND, status: 'done' }, 8: { kind: STUDY_JOB_KIND, status: 'running' }, 9: { kind: 'acdc.run', status: 'done' } };
    const run = runs[args.runId];
    if (!run) throw new Error(`no run ${args.runId}`);
    return { run: { ...run, id: args.runId, options: { outDir } } };
  },
} as unknown as ApiRouter;

async function open(url: string): Promise<{ handled: boolean; shell: FakeShell; dialog: FakeDialog }> {
  const shell = new FakeShell();
  const dialog = new FakeDialog();
  const opener = studyReportOpener(router, shell, dialog);
  const handled = opener.open(url);
  await opener.settled();
  return { handled, shell, dialog };
}

describe('the desktop study-report opener', () => {
  it("opens a finished study's report file, from the app's address or the dev server's", async () => {
    for (const origin of ['app://workbench', 'http://localhost:5173']) {
      const { handled, shell, dialog } = await open(`${origin}${studyReportUrl(7)}`);
      expect(handled).toBe(true);
      expect(shell.opened).toEqual([realpathSync(path.join(outDir, 'report.html'))]);
      expect(dialog.errors).toEqual([]);
    }
  });

  it('leaves other addresses alone', async () => {
    for (const url of ['https://example.com/', 'app://workbench/index.html', 'not a url']) {
      const { handled, shell, dialog } = await open(url);
      expect([handled, shell.opened, dialog.errors]).toEqual([false, [], []]);
    }
  });

  it('refuses, with the address and the reason, what serve mode refuses', async () => {
    const cases: [string, string][] = [
      [studyReportUrl(8), 'Study run 8 is running, not done'],
      [studyReportUrl(9), 'Run 9 is not a study'],
      [studyReportUrl(10), 'No study run 10 in the open project'],
      [studyReportUrl(7, 'figures/link.svg'), 'Not found in the study folder'], // a symlink out of the folder
      ['/study-report/7/../secret.svg', 'Not a file a study writes'],
    ];
    for (const [address, reason] of cases) {
      const { handled, shell, dialog } = await open(`app://workbench${address}`);
      expect(handled).toBe(true);
      expect(shell.opened).toEqual([]);
      expect(dialog.errors).toEqual([{ title: 'Circuit Workbench cannot open the study report', content: `${new URL(`app://workbench${address}`).pathname}: ${reason}` }]);
    }
  });

  it("shows the viewer's own error", async () => {
    const shell = new FakeShell();
    shell.answer = 'No application is associated with the file';
    const dialog = new FakeDialog();
    const opener = studyReportOpener(router, shell, dialog);
    opener.open(`app://workbench${studyReportUrl(7)}`);
    await opener.settled();
    expect(dialog.errors[0].content).toBe(`${studyReportUrl(7)}: No application is associated with the file`);
  });
});
