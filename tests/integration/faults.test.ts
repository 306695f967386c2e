import fs from 'node:fs'
import zlib from 'node:zlib'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import * as Y from 'yjs'
import { CloseCode, newBoardId } from '@roundtable/shared'
import { metric } from './helpers.ts'
import { startServerProcess, tempDataDir, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { canMount, fill, mountSmallFs, type SmallFs } from '../support/tmpfs.ts'

let servers: ServerProcess[] = []
let clients: YClient[] = []
const mounts: SmallFs[] = []

async function start(opts: Parameters<typeof startServerProcess>[0]) {
  const s = await startServerProcess(opts)
  servers.push(s)
  return s
}
function client(server: ServerProcess, boardId: string, doc?: Y.Doc) {
  const c = connectClient(server.wsUrl, boardId, doc)
  clients.push(c)
  return c
}

afterEach(async () => {
  for (const c of clients) c.destroy()
  for (const s of servers) await s.stop('SIGKILL')
  clients = []
  servers = []
})
afterAll(() => {
  for (const m of mounts) m.unmount()
})

describe('kill -9 during edits', () => {
  it('loses nothing a peer has seen, over several kills at random moments', async () => {
    const dataDir = tempDataDir()
    const boardId = newBoardId()
    const seenByPeer = new Set<string>()
    for (let round = 0; round < 5; round++) {
      const server = await start({ dataDir })
      const writer = client(server, boardId)
      const peer = client(server, boardId)
      await Promise.all([whenSynced(writer), whenSynced(peer)])
      const items = peer.doc.getArray<string>('items')
      items.observe(() => {
        for (const item of items.toArray()) seenByPeer.add(item)
      })
      // Two writers' worth of edits: list items and a map key overwritten many times.
      let i = 0
      const typing = setInterval(() => {
        for (let k = 0; k < 3; k++) writer.doc.getArray<string>('items').push([`r${round}-${i++}`])
        writer.doc.getMap('meta').set('last', `r${round}-${i}`)
      }, 4)
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 600))
      await server.stop('SIGKILL')
      clearInterval(typing)
      const seenNow = new Set(seenByPeer)
      // Nobody who holds the edits may reconnect and quietly put them back.
      writer.destroy()
      peer.destroy()
      expect(seenNow.size).toBeGreaterThan(round * 10)

      const restarted = await start({ dataDir })
      const fresh = client(restarted, boardId)
      await whenSynced(fresh)
      const stored = new Set(fresh.doc.getArray<string>('items').toArray())
      const missing = [...seenNow].filter((item) => !stored.has(item))
      expect(missing, `round ${round}: items a peer saw but the server lost`).toEqual([])
      await restarted.stop('SIGKILL')
    }
  }, 60_000)
})

describe('corrupt rows', () => {
  it('are detected on load, reported in the log and metrics, kept aside, and the rest of the board loads', async () => {
    const dataDir = tempDataDir()
    const boardId = newBoardId()
    const server = await start({ dataDir, env: { COMPACT_AFTER_UPDATES: '1000' } })
    // Three independent writers, so each stored row stands alone.
    for (const key of ['a', 'b', 'c']) {
      const c = client(server, boardId)
      await whenSynced(c)
      c.doc.getMap('m').set(key, `value ${key}`)
      await new Promise((r) => setTimeout(r, 100))
      c.destroy()
    }
    await server.stop('SIGKILL')

    const db = new Database(path.join(dataDir, 'roundtable.sqlite'))
    const rows = db.prepare('SELECT seq, data FROM board_updates WHERE board_id = ? ORDER BY seq').all(boardId) as { seq: number; data: Buffer }[]
    const target = rows.find((r) => r.data.includes(Buffer.from('value b')))!
    expect(target).toBeDefined()
    const flipped = Buffer.from(target.data)
    const at = flipped.indexOf(Buffer.from('value b'))
    flipped[at + 6] = 'X'.charCodeAt(0)
    db.prepare('UPDATE board_updates SET data = ? WHERE seq = ?').run(flipped, target.seq)
    db.close()

    const restarted = await start({ dataDir })
    const fresh = client(restarted, boardId)
    await whenSynced(fresh)
    expect(fresh.doc.getMap('m').toJSON()).toEqual({ a: 'value a', c: 'value c' })
    // The log line is written before the client is answered, but reaches us through another pipe.
    await eventually(() =>
      expect(restarted.output()).toMatch(new RegExp(`"boardId":"${boardId}".*"corrupt":\\[\\{"table":"board_updates","seq":${target.seq}.*failed their checksum`)),
    )
    expect(await metric(restarted, 'roundtable_corrupt_rows_total')).toBe(1)
    await restarted.stop('SIGTERM')

    // The bad row is kept for inspection, out of the board's log, and survived the compaction.
    const after = new Database(path.join(dataDir, 'roundtable.sqlite'), { readonly: true })
    const kept = after.prepare('SELECT board_id, source_table, source_seq, data FROM corrupt_rows').all() as { board_id: string; source_seq: number; data: Buffer }[]
    expect(kept).toHaveLength(1)
    expect(kept[0]).toMatchObject({ board_id: boardId, source_seq: target.seq })
    expect(Buffer.compare(kept[0].data, flipped)).toBe(0)
    after.close()
  })
})

describe('rows that pass their checksum but cannot be applied', () => {
  it('are moved aside to corrupt_rows on load, so no compaction deletes them', async () => {
    const dataDir = tempDataDir()
    const boardId = newBoardId()
    const server = await start({ dataDir, env: { COMPACT_AFTER_UPDATES: '1000' } })
    for (const key of ['a', 'b', 'c']) {
      const c = client(server, boardId)
      await whenSynced(c)
      c.doc.getMap('m').set(key, `value ${key}`)
      await new Promise((r) => setTimeout(r, 100))
      c.destroy()
    }
    await server.stop('SIGKILL')

    // Bytes that are not a Yjs update, stored with a matching checksum (e.g. a bug in a writer).
    const garbage = Buffer.alloc(32, 0xff)
    const db = new Database(path.join(dataDir, 'roundtable.sqlite'))
    const rows = db.prepare('SELECT seq, data FROM board_updates WHERE board_id = ? ORDER BY seq').all(boardId) as { seq: number; data: Buffer }[]
    const target = rows.find((r) => r.data.includes(Buffer.from('value b')))!
    db.prepare('UPDATE board_updates SET data = ?, crc = ? WHERE seq = ?').run(garbage, zlib.crc32(garbage), target.seq)
    db.close()

    const restarted = await start({ dataDir })
    const fresh = client(restarted, boardId)
    await whenSynced(fresh)
    expect(fresh.doc.getMap('m').toJSON()).toEqual({ a: 'value a', c: 'value c' })
    await eventually(() => expect(restarted.output()).toMatch(/moved rows that could not be applied to corrupt_rows/))
    expect(await metric(restarted, 'roundtable_corrupt_rows_total')).toBe(1)
    // Unloading compacts the board; the row survives it, out of the board's log.
    expect(await restarted.stop('SIGTERM')).toBe(0)
    const after = new Database(path.join(dataDir, 'roundtable.sqlite'), { readonly: true })
    const kept = after.prepare('SELECT board_id, source_table, source_seq, data, reason FROM corrupt_rows').all() as Record<string, unknown>[]
    expect(kept).toEqual([{ board_id: boardId, source_table: 'board_updates', source_seq: target.seq, data: garbage, reason: 'undecodable' }])
    expect(after.prepare('SELECT COUNT(*) AS n FROM board_updates WHERE board_id = ?').get(boardId)).toEqual({ n: 0 })
    after.close()
  })
})

describe.skipIf(!canMount)('storage faults on a real small file system', () => {
  it('a full disk: the board refuses the write (4500), no peer is sent it, and it is stored once space is back', async () => {
    const smallFs = mountSmallFs(4096)
    mounts.push(smallFs)
    const server = await start({ dataDir: path.join(smallFs.dir, 'data') })
    const boardId = newBoardId()
    const writer = client(server, boardId)
    const peer = client(server, boardId)
    await Promise.all([whenSynced(writer), whenSynced(peer)])
    writer.doc.getText('t').insert(0, 'before the disk filled. ')
    await eventually(() => expect(peer.doc.getText('t').toString()).toBe('before the disk filled. '))

    const filler = fill(smallFs.dir)
    const closes: number[] = []
    writer.provider.on('connection-close', (e) => closes.push(e!.code))
    peer.provider.on('connection-close', (e) => closes.push(e!.code))
    // Big enough that SQLite must grow the log on disk.
    writer.doc.getText('t').insert(24, 'written while full '.repeat(2000))
    await eventually(() => expect(closes).toContain(CloseCode.storageFailed))
    expect(peer.doc.getText('t').toString()).toBe('before the disk filled. ')
    await eventually(() => {
      expect(server.output()).toMatch(/storage failed; closing the board so nothing unsaved is acknowledged/)
      expect(server.output()).toMatch(/SQLITE_FULL|disk is full/)
    })
    expect(await metric(server, 'roundtable_errors_total{kind="storage"}')).toBeGreaterThanOrEqual(1)
    expect(peer.doc.getText('t').toString()).toBe('before the disk filled. ')

    // Space comes back: the clients reconnect on their own and the edit is stored and shared.
    fs.rmSync(filler)
    await eventually(() => expect(peer.doc.getText('t').toString()).toContain('written while full'), 20_000)
    await server.stop('SIGKILL')
    const restarted = await start({ dataDir: path.join(smallFs.dir, 'data') })
    const fresh = client(restarted, boardId)
    await whenSynced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe(writer.doc.getText('t').toString())
  }, 45_000)

  it('a read-only data directory: the server says so and does not pretend to run', async () => {
    const smallFs = mountSmallFs(4096)
    mounts.push(smallFs)
    const dataDir = path.join(smallFs.dir, 'data')
    const server = await start({ dataDir })
    const boardId = newBoardId()
    const writer = client(server, boardId)
    await whenSynced(writer)
    writer.doc.getText('t').insert(0, 'stored before read-only')
    await new Promise((r) => setTimeout(r, 200))
    writer.destroy()
    expect(await server.stop('SIGTERM')).toBe(0)

    smallFs.remount('ro')
    const readOnly = await start({ dataDir }).then(
      async (s) => ({ started: true as const, server: s }),
      (err: Error) => ({ started: false as const, message: err.message }),
    )
    if (readOnly.started) {
      // It may serve reads, but readiness reports the fault and edits are refused, never acknowledged.
      const ready = await fetch(`${readOnly.server.url}/readyz`)
      const c = client(readOnly.server, boardId)
      const peer = client(readOnly.server, boardId)
      await Promise.all([whenSynced(c), whenSynced(peer)])
      expect(c.doc.getText('t').toString()).toBe('stored before read-only')
      const closed = new Promise<number>((resolve) => c.provider.once('connection-close', (e) => resolve(e!.code)))
      c.doc.getText('t').insert(0, 'not storable ')
      expect(await closed).toBe(CloseCode.storageFailed)
      expect(peer.doc.getText('t').toString()).toBe('stored before read-only')
      expect(ready.status).toBe(503)
    } else {
      expect(readOnly.message).toMatch(/could not start: DATA_DIR .* is not writable \(EROFS\)/)
    }
    smallFs.remount('rw')
  }, 45_000)
})
