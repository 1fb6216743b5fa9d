export interface PrebuildRun {
  status: number;
  output: string;
}
export interface PrebuildOptions {
  sqliteDir: string;
  electronVersion: string;
  platform: string;
  arch: string;
  env?: NodeJS.ProcessEnv;
  nodePath?: string;
}
export function runPrebuildInstall(targetDir: string, options: PrebuildOptions): Promise<PrebuildRun>;
export function buildFromSource(targetDir: string, options: PrebuildOptions): Promise<PrebuildRun>;
export function ensureElectronNative(
  nodeModulesDir: string,
  options?: {
    checkOnly?: boolean;
    log?: (line: string) => void;
    error?: (line: string) => void;
    env?: NodeJS.ProcessEnv;
    platform?: string;
    arch?: string;
    electronVersion?: string;
    runPrebuild?: (targetDir: string, options: PrebuildOptions) => Promise<PrebuildRun>;
    buildFromSource?: (targetDir: string, options: PrebuildOptions) => Promise<PrebuildRun>;
  },
): Promise<number>;
