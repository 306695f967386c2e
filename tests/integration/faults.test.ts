import fs from 'node:fs'
import zlib from 'node:zlib'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import * as Y from 'yjs'
import { CloseCode, MESSAGE_REQUEST, brainstormMap, encodeRequest, newBoardId, requestClient } from '@roundtable/shared'
import { boardTag, metric } from './helpers.ts'
import { startServerProcess, tempDataDir, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { canMount, fill, mountSmallFs, type SmallFs } from '../support/tmpfs.ts'
import { openRaw } from '../support/raw.ts'

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

/** Three independent writers, so each stored row stands alone: m.a, m.b, m.c = "value a"…. */
async function writeThreeRows(server: ServerProcess, boardId: string) {
  for (const key of ['a', 'b', 'c']) {
    const c = client(server, boardId)
    await whenSynced(c)
    c.doc.getMap('m').set(key, `value ${key}`)
    await new Promise((r) => setTimeout(r, 100))
    c.destroy()
  }
}

describe('corrupt rows', () => {
  it('are detected on load, reported in the log and metrics, kept aside, and the rest of the board loads', async () => {
    const dataDir = tempDataDir()
    const boardId = newBoardId()
    const server = await start({ dataDir, env: { COMPACT_AFTER_UPDATES: '1000' } })
    await writeThreeRows(server, boardId)
    await server.stop('SIGKILL')

    const db = new Database(path.join(dataDir, 'roundtable.sqlite'))
    const rows = db.prepare('SELECT seq, data FROM board_updates WHERE board_id = ? ORDER BY seq').all(boardId) as {
      seq: number
      data: Buffer
    }[]
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
      expect(restarted.output()).toMatch(
        new RegExp(`"board":"${boardTag(boardId)}".*"corrupt":\\[\\{"table":"board_updates","seq":${target.seq}.*failed their checksum`),
      ),
    )
    expect(await metric(restarted, 'roundtable_corrupt_rows_total')).toBe(1)
    await restarted.stop('SIGTERM')

    // The bad row is kept for inspection, out of the board's log, and survived the compaction.
    const after = new Database(path.join(dataDir, 'roundtable.sqlite'), { readonly: true })
    const kept = after.prepare('SELECT board_id, source_table, source_seq, data FROM corrupt_rows').all() as {
      board_id: string
      source_seq: number
      data: Buffer
    }[]
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
    await writeThreeRows(server, boardId)
    await server.stop('SIGKILL')

    // Bytes that are not a Yjs update, stored with a matching checksum (e.g. a bug in a writer).
    const garbage = Buffer.alloc(32, 0xff)
    const db = new Database(path.join(dataDir, 'roundtable.sqlite'))
    const rows = db.prepare('SELECT seq, data FROM board_updates WHERE board_id = ? ORDER BY seq').all(boardId) as {
      seq: number
      data: Buffer
    }[]
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
    const kept = after.prepare('SELECT board_id, source_table, source_seq, data, reason FROM corrupt_rows').all() as Record<
      string,
      unknown
    >[]
    expect(kept).toEqual([
      { board_id: boardId, source_table: 'board_updates', source_seq: target.seq, data: garbage, reason: 'undecodable' },
    ])
    expect(after.prepare('SELECT COUNT(*) AS n FROM board_updates WHERE board_id = ?').get(boardId)).toEqual({ n: 0 })
    after.close()
  })
})

/** Close codes a client saw, and whether it is connected now. */
function watchCloses(c: YClient): number[] {
  const codes: number[] = []
  c.provider.on('connection-close', (e) => codes.push(e?.code ?? -1))
  return codes
}

describe('storage failing under a running server', () => {
  it('another process holding the write lock: only the writer is refused (4500), quickly; readers stay; the edit is stored once the lock is gone', async () => {
    const server = await start({})
    const boardId = newBoardId()
    const writer = client(server, boardId)
    const peer = client(server, boardId)
    await Promise.all([whenSynced(writer), whenSynced(peer)])
    writer.doc.getText('t').insert(0, 'stored. ')
    await eventually(() => expect(peer.doc.getText('t').toString()).toBe('stored. '))
    const writerCloses = watchCloses(writer)
    const peerCloses = watchCloses(peer)

    // A backup or an admin script holds SQLite's write lock.
    const db = new Database(path.join(server.dataDir, 'roundtable.sqlite'))
    db.exec('BEGIN IMMEDIATE')
    try {
      writer.doc.getText('t').insert(8, 'while locked. ')
      await eventually(() => expect(writerCloses).toContain(CloseCode.storageFailed))
      // The server did not freeze waiting for the lock.
      const started = Date.now()
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      expect(Date.now() - started).toBeLessThan(1_000)
      const ready = await fetch(`${server.url}/readyz`)
      expect(ready.status).toBe(503)
      expect(await ready.json()).toMatchObject({ status: 'storage writes failing' })
      await new Promise((r) => setTimeout(r, 1_000))
      expect(peer.doc.getText('t').toString()).toBe('stored. ')
      expect(peerCloses).toEqual([])
      expect(peer.provider.wsconnected).toBe(true)
    } finally {
      db.exec('ROLLBACK')
      db.close()
    }

    // The writer came back on its own and its edit is stored and shared once storage works.
    await eventually(() => expect(peer.doc.getText('t').toString()).toBe('stored. while locked. '), 15_000)
    expect(peerCloses).toEqual([])
    expect(writerCloses.filter((c) => c === CloseCode.storageFailed).length).toBeLessThanOrEqual(2)
    await eventually(async () => expect((await fetch(`${server.url}/readyz`)).status).toBe(200))
    expect(server.output()).toMatch(/SQLITE_BUSY|database is locked/)
    expect(server.output()).toMatch(/storage works again; accepting writes/)
    await server.stop('SIGKILL')
    const restarted = await start({ dataDir: server.dataDir })
    const fresh = client(restarted, boardId)
    await whenSynced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('stored. while locked. ')
  }, 45_000)

  it('storage turning read-only: no false acknowledgement, readers stay, writes come back with it', async () => {
    const dataDir = tempDataDir()
    const faultFile = path.join(dataDir, 'fault')
    const server = await start({ dataDir, faulty: true, env: { FAULT_FILE: faultFile } })
    const boardId = newBoardId()
    const writer = client(server, boardId)
    const peer = client(server, boardId)
    await Promise.all([whenSynced(writer), whenSynced(peer)])
    // A revealed brainstorm round, so that a request makes the server write.
    const rpc = requestClient(writer.provider)
    const { roundId } = await rpc.request('round.start', {
      prompt: 'p',
      durationMs: null,
      anonymous: false,
      pageId: 'page:1',
      anchor: { x: 0, y: 0 },
    })
    await rpc.request('round.reveal', { roundId })
    rpc.dispose()
    writer.doc.getText('t').insert(0, 'stored before read-only')
    await eventually(() => expect(peer.doc.getText('t').toString()).toBe('stored before read-only'))
    const writerCloses = watchCloses(writer)
    const peerCloses = watchCloses(peer)

    fs.writeFileSync(faultFile, 'SQLITE_READONLY')
    writer.doc.getText('t').insert(0, 'not storable ')
    await eventually(() => expect(writerCloses).toContain(CloseCode.storageFailed))
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(503)
    // A request whose answer would report a write: the asker is closed, never told "ok".
    const asker = await openRaw(`${server.wsUrl}/${boardId}`)
    asker.send(encodeRequest({ id: 1, op: 'round.claim', roundId, count: 2 }))
    expect((await asker.closed).code).toBe(CloseCode.storageFailed)
    expect(asker.received.filter((m) => m[0] === MESSAGE_REQUEST)).toEqual([])
    await new Promise((r) => setTimeout(r, 500))
    expect(peer.doc.getText('t').toString()).toBe('stored before read-only')
    expect(brainstormMap(peer.doc).get('slots')).toBeUndefined()
    expect(peerCloses).toEqual([])
    expect(await metric(server, 'roundtable_errors_total{kind="storage"}')).toBeGreaterThanOrEqual(2)
    expect(server.output()).toMatch(/SQLITE_READONLY.*storage failed; refusing writes on this board/)

    fs.rmSync(faultFile)
    await eventually(() => expect(peer.doc.getText('t').toString()).toBe('not storable stored before read-only'), 15_000)
    await eventually(async () => expect((await fetch(`${server.url}/readyz`)).status).toBe(200))
    expect(peerCloses).toEqual([])
    await server.stop('SIGKILL')
    const restarted = await start({ dataDir })
    const fresh = client(restarted, boardId)
    await whenSynced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('not storable stored before read-only')
  }, 45_000)
})

describe.skipIf(!canMount)('storage faults on a real small file system', () => {
  it('a full disk: only the writer is refused (4500), no peer is sent the write, and it is stored once space is back', async () => {
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
    const writerCloses = watchCloses(writer)
    const peerCloses = watchCloses(peer)
    // Big enough that SQLite must grow the log on disk.
    writer.doc.getText('t').insert(24, 'written while full '.repeat(2000))
    await eventually(() => expect(writerCloses).toContain(CloseCode.storageFailed))
    await eventually(() => {
      expect(server.output()).toMatch(/storage failed; refusing writes on this board/)
      expect(server.output()).toMatch(/SQLITE_FULL|disk is full/)
    })
    expect(await metric(server, 'roundtable_errors_total{kind="storage"}')).toBeGreaterThanOrEqual(1)
    await new Promise((r) => setTimeout(r, 500))
    expect(peer.doc.getText('t').toString()).toBe('before the disk filled. ')
    expect(peerCloses).toEqual([])

    // Space comes back: the writer's edit is stored and shared, the peer never left.
    fs.rmSync(filler)
    await eventually(() => expect(peer.doc.getText('t').toString()).toContain('written while full'), 20_000)
    expect(peerCloses).toEqual([])
    await server.stop('SIGKILL')
    const restarted = await start({ dataDir: path.join(smallFs.dir, 'data') })
    const fresh = client(restarted, boardId)
    await whenSynced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe(writer.doc.getText('t').toString())
  }, 45_000)

  it('a data directory that is read-only at start: the server says so and does not pretend to run', async () => {
    const smallFs = mountSmallFs(4096)
    mounts.push(smallFs)
    const dataDir = path.join(smallFs.dir, 'data')
    const server = await start({ dataDir })
    const writer = client(server, newBoardId())
    await whenSynced(writer)
    writer.destroy()
    expect(await server.stop('SIGTERM')).toBe(0)

    smallFs.remount('ro')
    try {
      const err = await start({ dataDir }).then(
        () => undefined,
        (e: Error) => e,
      )
      expect(err?.message).toMatch(/could not start: DATA_DIR .* is not writable \(EROFS\)/)
    } finally {
      smallFs.remount('rw')
    }
  }, 45_000)
})
