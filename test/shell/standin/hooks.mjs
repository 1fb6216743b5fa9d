// Module resolution hook: `electron` -> the stand-in beside this file; everything else unchanged.
const STANDIN = new URL('./electron.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: STANDIN, shortCircuit: true };
  return nextResolve(specifier, context);
}
