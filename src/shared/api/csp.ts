/**
 * The Content-Security-Policy of the renderer, in one place: the build puts it in index.html
 * (meta), the WebSocket server sends it as a header, the Electron shell sends a relaxed one only
 * for dev-server pages (Vite's hot reload needs inline styles and its own socket).
 * Scripts and styles only from the app itself; no eval, no inline script, no frames, no plugins.
 */
export interface CspOptions {
  /** 'meta' leaves out directives browsers ignore (and warn about) in a <meta> tag. */
  delivery: 'header' | 'meta';
  dev?: boolean;
}

export function contentSecurityPolicy({ delivery, dev = false }: CspOptions): string {
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    // Svelte's dev server injects component styles as <style> tags; built CSS is a file.
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // In the browser the API is a WebSocket back to the same origin ('self' covers ws: in CSP 3).
    dev ? "connect-src 'self' ws: http://localhost:*" : "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ];
  if (delivery === 'header') directives.push("frame-ancestors 'none'");
  return directives.join('; ');
}
