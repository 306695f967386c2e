/**
 * Start-up configuration as an operator meets it: a bad setting stops the server with one clear
 * line naming the variable, and the log says whether the access gate is on.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { Harness } from './helpers.ts'

const h = new Harness()
afterAll(() => h.dispose())

describe('start-up configuration', () => {
  for (const [name, value, message] of [
    ['LOG_LEVEL', 'bogus', /^Roundtable: LOG_LEVEL must be one of .* got "bogus"$/m],
    ['PORT', '0x1F90', /^Roundtable: PORT must be a whole number written in digits.* got "0x1F90"$/m],
    ['MAX_BOARD_BYTES', '1e6', /^Roundtable: MAX_BOARD_BYTES must be a whole number written in digits/m],
  ] as const) {
    it(`${name}=${value} stops the server with exit code 2 and one line, no stack trace`, async () => {
      const err = await h.server({ env: { [name]: value } }).then(
        () => undefined,
        (e: Error) => e,
      )
      expect(err?.message).toMatch(/server exited with 2 before it was ready/)
      expect(err?.message).toMatch(message)
      expect(err?.message).not.toMatch(/\n\s+at /)
    })
  }

  it('an empty ACCESS_TOKEN leaves the gate off and says so', async () => {
    const server = await h.server({ env: { ACCESS_TOKEN: '' } })
    expect(server.output()).toMatch(/"level":40.*ACCESS_TOKEN is set but empty, so it is ignored/)
    expect(server.output()).toMatch(/"accessGate":false.*access gate off/)
    expect((await fetch(`${server.url}/api/time`)).status).toBe(200)
  })

  it('a short ACCESS_TOKEN works, with a warning; the log says the gate is on', async () => {
    const server = await h.server({ env: { ACCESS_TOKEN: 'short-token' } })
    expect(server.output()).toMatch(/"level":40.*ACCESS_TOKEN is shorter than 16 characters/)
    expect(server.output()).toMatch(/"accessGate":true.*access gate on/)
    expect((await fetch(`${server.url}/api/time`)).status).toBe(401)
    expect((await fetch(`${server.url}/api/time`, { headers: { authorization: 'Bearer short-token' } })).status).toBe(200)
  })
})
