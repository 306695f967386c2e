/** How the PostgreSQL test harness (tests/support/postgres.ts) finds Debian's binaries. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { postgresBinDir } from '../support/postgres.ts'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-pgbin-'))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

function install(version: string, binaries = ['initdb', 'pg_ctl', 'postgres']) {
  fs.mkdirSync(path.join(root, version, 'bin'), { recursive: true })
  for (const b of binaries) fs.writeFileSync(path.join(root, version, 'bin', b), '')
}

describe('postgresBinDir', () => {
  it('says to install Debian’s postgresql when no server binaries are there', () => {
    expect(() => postgresBinDir(path.join(root, 'absent'))).toThrow("install Debian's postgresql")
    install('16', ['psql', 'pg_ctl'])
    expect(() => postgresBinDir(root)).toThrow(/initdb, pg_ctl, postgres.*install Debian's postgresql/)
  })

  it('takes the newest complete version, comparing numbers', () => {
    install('9.6')
    install('13')
    install('15')
    expect(postgresBinDir(root)).toBe(path.join(root, '15', 'bin'))
  })
})
