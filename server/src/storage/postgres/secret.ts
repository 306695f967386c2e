import crypto from 'node:crypto'
import type pg from 'pg'

/**
 * The server secret shared by every process on the database (view tokens are derived from it,
 * so all processes must agree). The first process to ask stores one; everyone reads that one.
 * `seed` is what to store if the database has none yet: pass the DATA_DIR secret of a server
 * moving onto PostgreSQL so its view links keep working; otherwise a random one is made.
 */
export async function loadOrCreateSecretPg(pool: pg.Pool, seed?: Buffer): Promise<Buffer> {
  const candidate = seed ?? crypto.randomBytes(32)
  if (candidate.length < 16) throw new Error('a server secret must be at least 16 bytes')
  await pool.query('INSERT INTO server_secret (id, secret) VALUES (true, $1) ON CONFLICT (id) DO NOTHING', [candidate])
  const { rows } = await pool.query<{ secret: Buffer }>('SELECT secret FROM server_secret WHERE id')
  if (!rows[0]) throw new Error('server_secret has no row after inserting one')
  return rows[0].secret
}
