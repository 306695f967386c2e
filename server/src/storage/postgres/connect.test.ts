import { describe, expect, it } from 'vitest'
import { createPool } from './connect.ts'
import { parseDatabaseUrl, redactDatabaseUrl } from './url.ts'

describe('parseDatabaseUrl', () => {
  it('reads postgres:// and postgresql:// URLs, with or without a password', () => {
    expect(parseDatabaseUrl('postgres://rt@127.0.0.1:5433/rt')).toEqual({ host: '127.0.0.1', port: 5433, user: 'rt', database: 'rt' })
    expect(parseDatabaseUrl('postgresql://rt:s%40cr%2Ft@db.internal/roundtable')).toEqual({
      host: 'db.internal',
      user: 'rt',
      password: 's@cr/t',
      database: 'roundtable',
    })
    expect(parseDatabaseUrl('postgres://rt@[::1]:5432/rt').host).toBe('::1')
    expect(parseDatabaseUrl('  postgres://db/rt  ')).toEqual({ host: 'db', database: 'rt' })
    expect(parseDatabaseUrl('postgres://rt@db/rt?sslmode=require').ssl).toEqual({ rejectUnauthorized: true })
    expect(parseDatabaseUrl('postgres://rt@db/rt?sslmode=no-verify').ssl).toEqual({ rejectUnauthorized: false })
    expect(parseDatabaseUrl('postgres://rt@db/rt?sslmode=disable').ssl).toBe(false)
  })

  it.each([
    ['', 'DATABASE_URL is empty'],
    ['127.0.0.1:5432/rt', 'DATABASE_URL is not a URL'],
    ['localhost', 'DATABASE_URL is not a URL'],
    ['mysql://rt@db/rt', 'DATABASE_URL must start with postgres:// or postgresql://, not mysql://'],
    ['postgres:/db/rt', 'DATABASE_URL must start with postgres:// or postgresql:// (two slashes)'],
    ['postgres://:5432/rt', 'DATABASE_URL names no host'],
    ['postgres://rt@db:99999/rt', 'DATABASE_URL has a port that is not a number from 1 to 65535'],
    ['postgres://rt:pw@db:abc/rt', 'DATABASE_URL has a port that is not a number from 1 to 65535'],
    ['postgres://rt@db:0/rt', 'DATABASE_URL has a port that is not a number from 1 to 65535'],
    ['postgres://rt@/rt', 'DATABASE_URL names no host'],
    ['postgres://rt@db', 'DATABASE_URL names no database'],
    ['postgres://rt@db/', 'DATABASE_URL names no database'],
    ['postgres://rt@db/rt/more', 'DATABASE_URL has a path that is not one database name'],
    ['postgres://rt:%zz@db/rt', 'DATABASE_URL has invalid percent-encoding in the password'],
    ['postgres://rt@db/rt?sslmode=prefer', 'DATABASE_URL has sslmode=prefer; use one of disable, require, verify-full, no-verify'],
    ['postgres://rt@db/rt?pool=5', 'DATABASE_URL has an unsupported parameter "pool" (supported: sslmode)'],
    ['postgres://rt@d b/rt', 'DATABASE_URL is not a valid URL'],
  ])('%j: %s', (raw, message) => {
    let error: Error | undefined
    try {
      parseDatabaseUrl(raw)
    } catch (err) {
      error = err as Error
    }
    expect(error?.message.startsWith(message), error?.message).toBe(true)
    expect(error!.message).toContain('expected postgres://user[:password]@host[:port]/database')
    expect(error!.message).not.toContain('\n')
  })

  it('never repeats the password in a message', () => {
    expect(() => parseDatabaseUrl('postgres://rt:hunter2@db:70000/rt')).toThrow(/^(?!.*hunter2)/)
    expect(redactDatabaseUrl('postgres://rt:hunter2@db/rt')).toBe('postgres://rt:***@db/rt')
  })
})

describe('createPool', () => {
  it('names itself, keeps limits small and listens for idle errors', async () => {
    const pool = createPool('postgres://rt@127.0.0.1:5433/rt')
    expect(pool.options).toMatchObject({ application_name: 'roundtable', max: 8, statement_timeout: 5000 })
    expect(pool.listenerCount('error')).toBe(1)
    await pool.end()
  })

  it('throws the DATABASE_URL message before connecting anywhere', () => {
    expect(() => createPool('postgres://rt@db')).toThrow('DATABASE_URL names no database')
  })
})
