import type { IncomingMessage, ServerResponse } from 'node:http'
import { ACCESS_TOKEN_PARAM } from '@roundtable/shared'
import { ACCESS_COOKIE, accessAllowed, presentedAccessToken } from '../access.ts'
import type { Metrics } from '../metrics.ts'
import { sendJson } from './json.ts'
import { contentSecurityPolicy } from './securityHeaders.ts'

/** Whether the browser reached us over TLS: directly, or through a proxy that says so. */
function overTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https'
}

/**
 * The ACCESS_TOKEN gate for plain HTTP requests (the sync socket checks the same token on
 * upgrade). Returns true when the request may go on; otherwise it has answered: 401, or a
 * redirect that moves a token in the query into a cookie. `spaRoute` says which paths are pages.
 */
export function createAccessGate(accessToken: string | undefined, metrics: Metrics, spaRoute: RegExp) {
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (accessToken === undefined) return true
    const presented = presentedAccessToken(req, url)
    if (!accessAllowed(accessToken, presented.token)) {
      if (req.method === 'GET' && req.headers['sec-fetch-site'] === 'cross-site' && spaRoute.test(url.pathname)) {
        // A link followed from another site (chat, mail) arrives without the SameSite=Strict
        // cookie. Reloading from here is a same-site navigation, which sends it; without one, that
        // second request gets the 401 below.
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': contentSecurityPolicy(req),
        })
        res.end('<!doctype html><meta http-equiv="refresh" content="0"><title>Roundtable</title>\n')
        return false
      }
      metrics.limitRejections.inc({ limit: 'access_token' })
      sendJson(res, 401, {
        error: 'this server requires an access token: open the link you were given, which ends in ?access_token=…',
      })
      return false
    }
    if (presented.via === 'query' && (req.method === 'GET' || req.method === 'HEAD') && spaRoute.test(url.pathname)) {
      // Remember the token in a cookie (sent with every later request and the sync socket) and
      // drop it from the address bar, so it is not shared along with a board link.
      url.searchParams.delete(ACCESS_TOKEN_PARAM)
      res.writeHead(303, {
        location: url.pathname + url.search,
        // Strict: another site's page never gets it sent along; HttpOnly: no script of ours reads it.
        'set-cookie': `${ACCESS_COOKIE}=${encodeURIComponent(accessToken)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000${overTls(req) ? '; Secure' : ''}`,
        'cache-control': 'no-store',
      })
      res.end()
      return false
    }
    return true
  }
}
