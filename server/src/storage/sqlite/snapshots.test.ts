import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteSnapshotStorage } from './snapshots.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

describe('snapshot storage', () => {
  it('keeps "before restoring" snapshots saved as automatic by earlier versions out of pruning', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-snapshots-'))
    dirs.push(dir)
    const state = new Uint8Array([0, 0])
    const old = new SqliteSnapshotStorage(dir)
    old.add('board', { name: 'Before restoring “agreed”', kind: 'auto', state })
    old.add('board', { name: 'Automatic (everyone left)', kind: 'auto', state })
    old.close()

    const storage = new SqliteSnapshotStorage(dir)
    storage.add('board', { name: 'Automatic (everyone left)', kind: 'auto', state })
    storage.pruneAutomatic('board', 1)
    expect(storage.list('board')!.map((s) => [s.kind, s.name])).toEqual([
      ['auto', 'Automatic (everyone left)'],
      ['before-restore', 'Before restoring “agreed”'],
    ])
    storage.close()
  })
})
