// Module resolution hook: the specifiers in `urls` resolve to their stand-ins; everything else unchanged.
let urls = {};

export function initialize(data) {
  urls = data ?? {};
}

export async function resolve(specifier, context, nextResolve) {
  if (Object.hasOwn(urls, specifier)) return { url: urls[specifier], shortCircuit: true };
  return nextResolve(specifier, context);
}
