import type { PoolConfig } from 'pg'

/* DATABASE_URL, read without loading the PostgreSQL driver (a SQLite server never needs it). */

const EXPECTED = 'expected postgres://user[:password]@host[:port]/database'
const SSL_MODES = ['disable', 'require', 'verify-full', 'no-verify'] as const

function invalid(what: string): Error {
  return new Error(`DATABASE_URL ${what} (${EXPECTED})`)
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw invalid(`has invalid percent-encoding in the ${what}`)
  }
}

/**
 * Reads DATABASE_URL into node-postgres settings (connection only; createPool adds the limits).
 * Accepts postgres:// and postgresql://, with or without a password, and `?sslmode=` (disable,
 * require, verify-full, no-verify). Anything else throws one line that names DATABASE_URL and
 * says what is wrong; the message never repeats the password.
 */
export function parseDatabaseUrl(raw: string): PoolConfig {
  const text = raw.trim()
  if (text === '') throw invalid('is empty')
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]
  if (!scheme) throw invalid(/^postgres(ql)?:/i.test(text) ? 'must start with postgres:// or postgresql:// (two slashes)' : 'is not a URL')
  if (scheme !== 'postgres' && scheme !== 'postgresql') throw invalid(`must start with postgres:// or postgresql://, not ${scheme}://`)
  // Host and port, checked before URL parsing so the message can say what is wrong with them.
  const authority = /^[^:]+:\/\/([^/?#]*)/.exec(text)![1]
  const [, hostText, portText] = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority.slice(authority.lastIndexOf('@') + 1)) ?? []
  if (!hostText) throw invalid('names no host')
  if (portText !== undefined && portText !== '') {
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN
    if (!(port >= 1 && port <= 65535)) throw invalid('has a port that is not a number from 1 to 65535')
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalid('is not a valid URL')
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (host === '') throw invalid('names no host')
  const database = decode(url.pathname.replace(/^\//, ''), 'database name')
  if (database === '') throw invalid('names no database')
  if (database.includes('/')) throw invalid('has a path that is not one database name')
  const config: PoolConfig = { host, database }
  if (url.port) config.port = Number(url.port)
  if (url.username) config.user = decode(url.username, 'user name')
  if (url.password) config.password = decode(url.password, 'password')
  for (const [key, value] of url.searchParams) {
    if (key !== 'sslmode') throw invalid(`has an unsupported parameter "${key}" (supported: sslmode)`)
    if (!(SSL_MODES as readonly string[]).includes(value)) throw invalid(`has sslmode=${value}; use one of ${SSL_MODES.join(', ')}`)
    config.ssl = value === 'disable' ? false : value === 'no-verify' ? { rejectUnauthorized: false } : { rejectUnauthorized: true }
  }
  return config
}

/** The URL without its password, for logs and messages. */
export function redactDatabaseUrl(raw: string): string {
  try {
    const url = new URL(raw)
    if (url.password) url.password = '***'
    return url.toString()
  } catch {
    return '(unparseable DATABASE_URL)'
  }
}
