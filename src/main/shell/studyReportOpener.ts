/**
 * Desktop: the renderer's "Open the report" link (a study-report address, as serve mode serves it)
 * cannot open a window (every window.open is refused); the file it names is handed to the
 * system's viewer instead. The file is found exactly as serve mode finds it (study/reportFiles),
 * so only a finished study's own files open. A refusal or a viewer error is shown in a dialog.
 */
import type { ApiRouter } from '../api/router';
import { studyFilePath } from '../study/reportFiles';
import { STUDY_REPORT_PREFIX } from '../../shared/studyReport';
import type { DialogLike, ShellLike } from './electronApi';

/** Whether `url` is a study-report address; if so its file is opened (asynchronously: `settled` waits for it). */
export function studyReportOpener(router: ApiRouter, shell: ShellLike, dialog: Pick<DialogLike, 'showErrorBox'>): { open(url: string): boolean; settled(): Promise<void> } {
  let last: Promise<void> = Promise.resolve();
  return {
    open(url) {
      let pathname: string;
      try {
        pathname = new URL(url).pathname;
      } catch {
        return false;
      }
      if (!pathname.startsWith(STUDY_REPORT_PREFIX)) return false;
      last = (async () => {
        const found = await studyFilePath(router, pathname);
        const problem = 'file' in found ? await shell.openPath(found.file) : found.reason;
        if (problem) dialog.showErrorBox('Circuit Workbench cannot open the study report', `${pathname}: ${problem}`);
      })();
      return true;
    },
    settled: () => last,
  };
}
