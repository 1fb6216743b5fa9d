/**
 * The access link's token is good for one exchange: the first request that presents it gets a
 * session cookie (HttpOnly, SameSite=Strict, Secure under TLS) and the token is spent. From then
 * on only the cookie opens the workbench, so a token left in a shell history or a proxy log is
 * worthless once used.
 */
import { generateToken, tokenMatches } from './token';

/** Cookies are shared by every port of a host, so each server's cookie is named after its port. */
export function sessionCookieName(port: number): string {
  return `cwb_session_${port}`;
}

export class AccessGate {
  private tokenSpent = false;
  private readonly sessions = new Set<string>();
  /** Set once the server knows its port. */
  cookieName = sessionCookieName(0);

  constructor(readonly token: string) {}

  /** A new session id when `given` is the unspent token; null otherwise (the token works once). */
  exchange(given: string | null): string | null {
    if (this.tokenSpent || !tokenMatches(this.token, given)) return null;
    this.tokenSpent = true;
    const session = generateToken();
    this.sessions.add(session);
    return session;
  }

  /** Whether the request's Cookie header carries a session this gate issued. */
  admits(cookieHeader: string | undefined): boolean {
    const value = readCookie(cookieHeader, this.cookieName);
    if (value === null) return false;
    for (const session of this.sessions) if (tokenMatches(session, value)) return true;
    return false;
  }

  /** The Set-Cookie header value for a session this gate issued. */
  setCookie(session: string, secure: boolean): string {
    return `${this.cookieName}=${session}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
