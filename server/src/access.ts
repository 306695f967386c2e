import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { IncomingMessage } from 'node:http'
import { ACCESS_TOKEN_PARAM } from '@roundtable/shared'

export const SECRET_FILE = 'server-secret'

/**
 * The server's own secret, created on first start in DATA_DIR readable by the owner only. View
 * tokens are derived from it, so keeping the data directory keeps every view link working.
 */
export function loadOrCreateSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, SECRET_FILE)
  fs.mkdirSync(dataDir, { recursive: true })
  try {
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url')
  if (secret.length < 16) throw new Error(`${file} is too short to be a secret; delete it to make a new one`)
  return secret
}

/**
 * The view-only token for a board: HMAC-SHA256(secret, boardId), 144 bits in base64url. It
 * cannot be turned back into the board id, and the same board always gets the same token.
 */
export function viewTokenFor(secret: Buffer, boardId: string): string {
  return crypto.createHmac('sha256', secret).update(boardId).digest('base64url').slice(0, 24)
}

export const VIEW_TOKEN_PATTERN = /^[A-Za-z0-9_-]{24}$/

function sameSecret(a: string, b: string): boolean {
  // Compare digests so neither the length nor the content leaks through timing.
  const ha = crypto.createHash('sha256').update(a).digest()
  const hb = crypto.createHash('sha256').update(b).digest()
  return crypto.timingSafeEqual(ha, hb)
}

export const ACCESS_COOKIE = 'roundtable_access'

/** The named cookie's value; one that is not valid percent-encoding counts as absent. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue
    try {
      return decodeURIComponent(part.slice(eq + 1).trim())
    } catch {
      // Anyone can send any Cookie header; a malformed one must not take the request down.
    }
  }
  return undefined
}

/**
 * Where a request presents ACCESS_TOKEN: `Authorization: Bearer …`, `?access_token=…`, or the
 * cookie the server sets after a browser first arrived with the query parameter.
 */
export function presentedAccessToken(
  req: IncomingMessage,
  url: URL,
): { token: string | undefined; via: 'header' | 'query' | 'cookie' | undefined } {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'header' }
  const query = url.searchParams.get(ACCESS_TOKEN_PARAM)
  if (query !== null) return { token: query, via: 'query' }
  const cookie = cookieValue(req.headers.cookie, ACCESS_COOKIE)
  if (cookie !== undefined) return { token: cookie, via: 'cookie' }
  return { token: undefined, via: undefined }
}

export function accessAllowed(expected: string | undefined, presented: string | undefined): boolean {
  if (expected === undefined) return true
  return presented !== undefined && sameSecret(expected, presented)
}
