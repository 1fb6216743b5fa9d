/**
 * The Host allowlist: a page on another name that resolves to this machine (DNS rebinding) sends
 * its own name as Host and is refused, for HTTP requests and WebSocket upgrades alike.
 */
export const LOOPBACK_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

/** Loopback names, the --host the server binds, and any --allow-host names (lower case, no brackets). */
export function allowedHostNames(bindHost: string, extra: readonly string[] = []): Set<string> {
  const names = [...LOOPBACK_NAMES, bindHost, ...extra].map(normaliseHostName);
  // A wildcard bind address is not a name a browser sends.
  return new Set(names.filter((n) => n !== '0.0.0.0' && n !== '::' && n !== ''));
}

function normaliseHostName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

/** The name in a Host header (`name:port`, `[v6]:port`), or null when malformed. */
export function hostHeaderName(header: string | undefined): string | null {
  if (!header) return null;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(header);
  if (v6) return v6[1].toLowerCase();
  const plain = /^([A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header);
  return plain ? plain[1].toLowerCase() : null;
}

export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  const name = hostHeaderName(header);
  return name !== null && allowed.has(name);
}

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.includes(normaliseHostName(host));
}
