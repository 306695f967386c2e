import type pg from 'pg'

/**
 * Runs fn in a transaction on one connection of the pool. While the connection is checked out
 * its 'error' event (the server went away mid-transaction) is listened to, so it cannot crash
 * the process; such a connection, like one whose ROLLBACK fails, is discarded, not reused.
 */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let lost: Error | undefined
  const onError = (err: Error) => (lost = err)
  client.on('error', onError)
  const release = (broken: boolean) => {
    client.off('error', onError)
    client.release(broken || lost !== undefined)
  }
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    release(false)
    return result
  } catch (err) {
    const broken = await client.query('ROLLBACK').then(
      () => false,
      () => true,
    )
    release(broken)
    throw err
  }
}
