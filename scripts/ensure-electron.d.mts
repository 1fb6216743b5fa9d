export interface ElectronStatus {
  installed: boolean;
  version: string;
  binary: string;
  reason: string;
}
export function platformPath(platform?: string): string;
export function electronStatus(packageDir: string, platform?: string): ElectronStatus;
export function runInstaller(packageDir: string, nodePath?: string): number;
export function ensureElectron(
  packageDir: string,
  options?: { checkOnly?: boolean; log?: (line: string) => void; error?: (line: string) => void },
): number;
