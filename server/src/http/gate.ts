import type { IncomingMessage, ServerResponse } from 'node:http'
import { ACCESS_TOKEN_PARAM } from '@roundtable/shared'
import { ACCESS_COOKIE, accessAllowed, presentedAccessToken } from '../access.ts'
import type { Metrics } from '../metrics.ts'
import { sendJson } from './json.ts'

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
        'set-cookie': `${ACCESS_COOKIE}=${encodeURIComponent(accessToken)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000`,
        'cache-control': 'no-store',
      })
      res.end()
      return false
    }
    return true
  }
}
