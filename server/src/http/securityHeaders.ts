import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * Headers every response carries. No Referer ever leaves a page: a board's address is its key,
 * and a link on a board must not hand it to the site it points to.
 */
export function setBaseSecurityHeaders(res: ServerResponse, hstsMaxAgeSeconds: number | undefined) {
  res.setHeader('referrer-policy', 'no-referrer')
  res.setHeader('x-content-type-options', 'nosniff')
  // A page of ours never shares a browsing context group with a page that opened it or that it opens.
  res.setHeader('cross-origin-opener-policy', 'same-origin')
  if (hstsMaxAgeSeconds !== undefined) res.setHeader('strict-transport-security', `max-age=${hstsMaxAgeSeconds}`)
}

/** The Host header when it is a plain host[:port], which is all a CSP source may hold. */
function ownHost(req: IncomingMessage): string | undefined {
  const host = req.headers.host
  return host && /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?$/.test(host) ? host : undefined
}

/**
 * The Content-Security-Policy of the client's pages. Nothing runs but our own bundled scripts;
 * the page talks only to its own origin (HTTP and the sync socket).
 */
export function contentSecurityPolicy(req: IncomingMessage): string {
  const host = ownHost(req)
  // 'self' covers ws(s): of the same host in current browsers; older ones need it written out.
  const sockets = host ? ` ws://${host} wss://${host}` : ''
  return [
    "default-src 'self'",
    // Cluster suggestions compute similarities as WebAssembly SIMD (shared/src/clusterTree.ts);
    // 'wasm-unsafe-eval' lets a page compile WebAssembly, and nothing else: eval() stays refused.
    "script-src 'self' 'wasm-unsafe-eval'",
    // tldraw inserts <style> elements at run time (its canvas and exports; the e2e suite reports
    // them as style-src-elem violations otherwise); a style cannot run script.
    "style-src 'self' 'unsafe-inline'",
    // tldraw draws pasted and imported images from data: and blob: URLs, and exports through them.
    "img-src 'self' data: blob:",
    // tldraw inlines the fonts an export uses as data: URLs and loads them to measure and draw text.
    "font-src 'self' data:",
    // An export inlines tldraw's own icons (bookmark, embed) by fetching their data: URLs; a data:
    // URL reaches no server, so allowing it sends nothing anywhere.
    `connect-src 'self' data:${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}
