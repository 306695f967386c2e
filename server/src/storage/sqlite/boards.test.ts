import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { SqliteStorage } from './boards.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function storage() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-storage-'))
  dirs.push(dir)
  return { dir, storage: new SqliteStorage(dir) }
}

describe('SqliteStorage when another process holds the write lock', () => {
  it('fails a write within a fraction of a second instead of blocking for seconds, and says writes are failing until one works', () => {
    const { dir, storage: s } = storage()
    s.appendUpdate('board-aaaaaaaaaaaaaaaa', new Uint8Array([0, 0]))
    expect(s.writesFailing()).toBe(false)

    const other = new Database(path.join(dir, 'roundtable.sqlite'))
    other.exec('BEGIN IMMEDIATE')
    const started = performance.now()
    expect(() => s.appendUpdate('board-aaaaaaaaaaaaaaaa', new Uint8Array([0, 0]))).toThrow(/locked|busy/i)
    expect(performance.now() - started).toBeLessThan(1000)
    expect(s.writesFailing()).toBe(true)
    expect(() => s.probeWrite()).toThrow()
    expect(s.isReachable()).toBe(true)

    other.exec('ROLLBACK')
    other.close()
    s.probeWrite()
    expect(s.writesFailing()).toBe(false)
    s.close()
  })
})
