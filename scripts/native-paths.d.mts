export const BINDING_FILE: string;
export function electronNativeDir(
  nodeModulesDir: string,
  versions: { sqliteVersion: string; electronVersion: string; platform?: string; arch?: string },
): string;
export function nodeModulesOf(from?: string): string;
