import pg from 'pg'
import { parseDatabaseUrl } from './url.ts'

export interface PoolOptions {
  /** Connections per process (default 8: writes are short; one board's writes are serial). */
  max?: number
  /** Longest a statement may run on the server, in ms (default 5000). */
  statementTimeoutMs?: number
  /** Told about errors of idle connections (the database restarted, the network dropped); the pool replaces them. */
  onIdleError?: (err: Error) => void
}

/**
 * A pool for DATABASE_URL with small limits: a few connections, fail fast when none can be had,
 * statements that cannot hang (server- and client-side timeouts), and an 'error' listener so an
 * idle connection dying (PostgreSQL restarted) never takes the process down.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const statementTimeout = options.statementTimeoutMs ?? 5000
  const pool = new pg.Pool({
    ...parseDatabaseUrl(url),
    application_name: 'roundtable',
    max: options.max ?? 8,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5000,
    statement_timeout: statementTimeout,
    // A transaction left open by a stalled process must not hold its locks for long.
    idle_in_transaction_session_timeout: 15_000,
    // Client side too, for when the server or the network stops answering altogether.
    query_timeout: statementTimeout + 5000,
    keepAlive: true,
  })
  pool.on('error', (err) => options.onIdleError?.(err))
  return pool
}
