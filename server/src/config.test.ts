import { describe, expect, it } from 'vitest'
import { ConfigError, configFromEnv } from './config.ts'

describe('configuration from the environment', () => {
  it('takes numbers written in plain digits', () => {
    const config = configFromEnv({ PORT: '9090', MAX_BOARD_BYTES: '20000' })
    expect(config.port).toBe(9090)
    expect(config.maxBoardBytes).toBe(20000)
  })

  it('refuses numbers in any other notation, naming the variable', () => {
    for (const raw of ['0x1F90', '1e3', ' 80', '80 ', '8080.0', '+80', '-1', '0b11', '1_000']) {
      expect(() => configFromEnv({ PORT: raw }), raw).toThrow(ConfigError)
      expect(() => configFromEnv({ PORT: raw }), raw).toThrow(/^PORT must be a whole number written in digits/)
    }
    expect(() => configFromEnv({ MAX_BOARD_BYTES: '1e9' })).toThrow(/MAX_BOARD_BYTES .* got "1e9"/)
  })

  it('refuses an unknown LOG_LEVEL with a clear message', () => {
    expect(() => configFromEnv({ LOG_LEVEL: 'bogus' })).toThrow(ConfigError)
    expect(() => configFromEnv({ LOG_LEVEL: 'bogus' })).toThrow(/^LOG_LEVEL must be one of .*debug.*got "bogus"/)
    expect(configFromEnv({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug')
  })

  it('treats an empty ACCESS_TOKEN as unset, and says so', () => {
    const config = configFromEnv({ ACCESS_TOKEN: '' })
    expect(config.accessToken).toBeUndefined()
    expect(config.warnings).toEqual([expect.stringMatching(/ACCESS_TOKEN is set but empty.*gate is off/)])
  })

  it('warns about a short ACCESS_TOKEN but uses it', () => {
    const config = configFromEnv({ ACCESS_TOKEN: 'short-token' })
    expect(config.accessToken).toBe('short-token')
    expect(config.warnings).toEqual([expect.stringMatching(/shorter than 16 characters/)])
    expect(configFromEnv({ ACCESS_TOKEN: 'a-token-of-enough-length' }).warnings).toEqual([])
  })

  it('takes a DATABASE_URL with or without a password, and stops at a malformed one naming the variable', () => {
    expect(configFromEnv({}).databaseUrl).toBeUndefined()
    expect(configFromEnv({ DATABASE_URL: 'postgres://rt@127.0.0.1:5433/rt' }).databaseUrl).toBe('postgres://rt@127.0.0.1:5433/rt')
    expect(configFromEnv({ DATABASE_URL: 'postgresql://rt:secret@db/rt' }).databaseUrl).toBe('postgresql://rt:secret@db/rt')
    for (const raw of ['mysql://rt@db/rt', 'postgres://rt@db:99999/rt', 'postgres://', 'not a url']) {
      expect(() => configFromEnv({ DATABASE_URL: raw }), raw).toThrow(ConfigError)
      expect(() => configFromEnv({ DATABASE_URL: raw }), raw).toThrow(/^DATABASE_URL /)
    }
    expect(() => configFromEnv({ DATABASE_URL: 'postgres://rt:hunter2@db:0/rt' })).toThrow(/^(?!.*hunter2)/)
  })
  it('takes the cluster settings, and stops at a malformed address or a short secret naming the variable', () => {
    expect(configFromEnv({}).cluster).toEqual({ address: undefined, secret: undefined, leaseMs: 10_000, testStallMs: 0 })
    const set = configFromEnv({ CLUSTER_ADDRESS: '10.0.0.5:8080', CLUSTER_SECRET: 'a-long-enough-secret', CLUSTER_LEASE_MS: '3000' })
    expect(set.cluster).toMatchObject({ address: '10.0.0.5:8080', secret: 'a-long-enough-secret', leaseMs: 3000 })
    expect(configFromEnv({ CLUSTER_ADDRESS: '[::1]:8080' }).cluster.address).toBe('[::1]:8080')
    for (const raw of ['10.0.0.5', 'http://10.0.0.5:8080', 'host:0', 'host:70000', 'a b:80']) {
      expect(() => configFromEnv({ CLUSTER_ADDRESS: raw }), raw).toThrow(/^CLUSTER_ADDRESS must be host:port/)
    }
    expect(() => configFromEnv({ CLUSTER_SECRET: 'short' })).toThrow(/^CLUSTER_SECRET must be at least 16 characters/)
    expect(() => configFromEnv({ CLUSTER_LEASE_MS: '10' })).toThrow(/^CLUSTER_LEASE_MS must be a whole number/)
  })
})
