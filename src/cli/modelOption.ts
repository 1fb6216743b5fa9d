/** `--model DIR|ID [--download]` (and study's `--models`): a folder, or a Hugging Face id from the cache; --download fetches a missing one. */
import { resolveModelSpec, type DownloadProgress } from '../main/loader/hub';
import { resolveModelDir } from '../main/services/modelSession';
import { labelModels, type StudyModelSpec } from '../main/study/plan';
import type { OptionSpec, OptionValues } from './command';

export const MODEL_OPTION: OptionSpec = { model: { type: 'string', short: 'm' }, download: { type: 'boolean' } };

/** A progress line on stderr: redrawn in place on a terminal, every 10% otherwise (logs stay short). */
export function downloadProgressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  let lastShown = -1;
  return (p) => {
    const percent = Math.floor(p.fraction * 100);
    const step = stream.isTTY ? 1 : 10;
    if (Math.floor(percent / step) === Math.floor(lastShown / step) && percent !== 100) return;
    if (percent === 100 && lastShown === 100) return;
    lastShown = percent;
    const mib = (n: number): string => (n / 1024 ** 2).toFixed(1);
    const line = `Downloading ${p.file}: ${percent}% (${mib(p.bytes)} of ${mib(p.totalBytes)} MiB)`;
    stream.write(stream.isTTY ? `\r${line}${percent === 100 ? '\n' : ''}` : `${line}\n`);
  };
}

export function modelDirFromOptions(values: OptionValues): Promise<string> {
  return resolveModelDir(values.model as string | undefined, { download: values.download === true, onProgress: downloadProgressPrinter() });
}

/** `study --models A [B ...]`: each a folder or a Hugging Face id (from the cache; --download fetches), labelled by folder name or id. */
export async function studyModelsFromOptions(specs: readonly string[], values: OptionValues): Promise<StudyModelSpec[]> {
  const resolved = [];
  for (const spec of specs) resolved.push(await resolveModelSpec(spec, { download: values.download === true, onProgress: downloadProgressPrinter() }));
  return labelModels(
    resolved.map((r) => r.dir),
    resolved.map((r) => (r.source === 'folder' ? undefined : r.name)),
  );
}
