/**
 * The access link's token is good for one exchange: the first request that presents it gets a
 * session cookie (HttpOnly, SameSite=Strict, Secure under TLS) and the token is spent. From then
 * on only the cookie opens the workbench, so a token left in a shell history or a proxy log is
 * worthless once used.
 */
import { generateToken, tokenMatches } from './token';

export const SESSION_COOKIE = 'cwb_session';

export class AccessGate {
  private tokenSpent = false;
  private readonly sessions = new Set<string>();

  constructor(readonly token: string) {}

  /** A new session id when `given` is the unspent token; null otherwise (the token works once). */
  exchange(given: string | null): string | null {
    if (this.tokenSpent || !tokenMatches(this.token, given)) return null;
    this.tokenSpent = true;
    const session = generateToken();
    this.sessions.add(session);
    return session;
  }

  get spent(): boolean {
    return this.tokenSpent;
  }

  /** Whether the request's Cookie header carries a session this gate issued. */
  admits(cookieHeader: string | undefined): boolean {
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    if (value === null) return false;
    for (const session of this.sessions) if (tokenMatches(session, value)) return true;
    return false;
  }
}

export function sessionCookie(session: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
