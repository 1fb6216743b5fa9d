/**
 * Before the desktop app opens any project: can this process load better-sqlite3? Under
 * `npm start` it needs the separate Electron build fetched on first start; when that is missing
 * or fails to load, the app says why (the loader's own error) and how to fix it, in a dialog.
 */
import type { Runtime } from '../store/sqliteBinding';

export interface SqliteCheckInput {
  runtime: Runtime;
  /** A packaged app carries its own rebuilt copy; a development run needs the separate build. */
  packaged: boolean;
  /** The binding the store will load (undefined: better-sqlite3's default lookup). */
  binding: string | undefined;
  /** Where the Electron build should be. */
  expected: string;
  /** Opens and closes an in-memory database with that binding; throws the loader's error. */
  open(): void;
}

const FIX = [
  'To fix it, run this in the project folder (it needs the network once):',
  '  node scripts/electron-native.mjs',
  'It fetches better-sqlite3\'s prebuilt binary for this Electron version and says what went wrong if it cannot.',
  'The browser version runs without it: npm run serve',
].join('\n');

/** undefined when projects can be opened, else the dialog's text. */
export function sqliteStartupProblem(input: SqliteCheckInput): string | undefined {
  if (input.runtime.electron && !input.packaged && input.binding === undefined) {
    return `The Electron build of better-sqlite3 (the project store) is missing: ${input.expected} does not exist.\n\n${FIX}`;
  }
  try {
    input.open();
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `better-sqlite3 (the project store) could not be loaded:\n${reason.slice(0, 2000)}\n\n${FIX}`;
  }
}
