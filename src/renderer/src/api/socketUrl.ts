/**
 * In a browser the server has already exchanged the printed link's one-time token for a session
 * cookie (HttpOnly, so this code never sees it) before the page loads; the WebSocket to /api
 * carries that cookie because it goes to the page's own origin.
 */
export function apiSocketUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api`;
}
