import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { boardRecords, CloseCode, MESSAGE_QUERY_AWARENESS, newBoardId } from '@roundtable/shared'
import { boardTag, metric, readDb, withTimeout } from './helpers.ts'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { openRaw, syncFrame, type RawClient } from '../support/raw.ts'

const servers: ServerProcess[] = []
let clients: YClient[] = []
let raws: RawClient[] = []

async function serverWith(env: Record<string, string>) {
  const s = await startServerProcess({ env })
  servers.push(s)
  return s
}
function client(server: ServerProcess, boardId: string) {
  const c = connectClient(server.wsUrl, boardId)
  clients.push(c)
  return c
}
async function raw(url: string, localAddress?: string) {
  const r = await openRaw(url, {}, localAddress)
  raws.push(r)
  return r
}
/** Both clients still sync with each other. */
async function stillSyncing(a: YClient, b: YClient, text: string) {
  a.doc.getArray<string>('log').push([text])
  await eventually(() => expect(b.doc.getArray<string>('log').toArray()).toContain(text))
}

afterEach(() => {
  for (const c of clients) c.destroy()
  for (const r of raws) r.ws.terminate()
  clients = []
  raws = []
})
afterAll(async () => {
  for (const s of servers) await s.stop()
})

describe('per-connection limits', () => {
  it('closes a connection that floods messages (4529) and keeps its neighbours syncing', async () => {
    const server = await serverWith({ MAX_MESSAGES_PER_SECOND: '20', MESSAGE_BURST: '40' })
    const boardId = newBoardId()
    const [a, b] = [client(server, boardId), client(server, boardId)]
    await Promise.all([whenSynced(a), whenSynced(b)])
    const flooder = await raw(`${server.wsUrl}/${boardId}`)
    for (let i = 0; i < 200; i++) flooder.send(new Uint8Array([MESSAGE_QUERY_AWARENESS]))
    expect(await flooder.closed).toEqual({ code: CloseCode.rateLimited, reason: 'too many messages; slow down' })
    await stillSyncing(a, b, 'after the flood')
    // A client within the rate is never cut off: 30 edits spread over 2 s.
    for (let i = 0; i < 30; i++) {
      a.doc.getArray<string>('log').push([`steady ${i}`])
      await new Promise((r) => setTimeout(r, 66))
    }
    await eventually(() => expect(b.doc.getArray('log').length).toBe(31))
    expect(a.provider.wsconnected).toBe(true)
    expect(await metric(server, 'roundtable_limit_rejections_total{limit="messages_per_second"}')).toBe(1)
    expect(server.output()).toMatch(/"limit":"messages_per_second".*closing connection: limit exceeded/)
  })

  it('closes a connection that sends an oversized frame (1009)', async () => {
    const server = await serverWith({ MAX_FRAME_BYTES: '4096' })
    const boardId = newBoardId()
    const [a, b] = [client(server, boardId), client(server, boardId)]
    await Promise.all([whenSynced(a), whenSynced(b)])
    const big = await raw(`${server.wsUrl}/${boardId}`)
    big.send(new Uint8Array(5000))
    expect((await big.closed).code).toBe(CloseCode.tooLarge)
    await stillSyncing(a, b, 'after the big frame')
    expect(await metric(server, 'roundtable_limit_rejections_total{limit="frame_bytes"}')).toBe(1)
  })
})

describe('limits the page learns', () => {
  it('puts MAX_FRAME_BYTES, MAX_BOARD_BYTES and MAX_RECORD_BYTES into the page, so imports the server would refuse are refused up front', async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-dist-'))
    fs.writeFileSync(path.join(dist, 'index.html'), '<html><head></head><body></body></html>')
    try {
      const server = await serverWith({ CLIENT_DIST: dist, MAX_FRAME_BYTES: '65536', MAX_BOARD_BYTES: '1048576', MAX_RECORD_BYTES: '4096' })
      const html = await (await fetch(`${server.url}/b/${newBoardId()}`)).text()
      const attribute = /<meta name="roundtable-config" content="([^"]*)"/.exec(html)![1]
      const config = JSON.parse(
        attribute
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&'),
      )
      expect(config).toMatchObject({ maxFrameBytes: 65536, maxBoardBytes: 1048576, maxRecordBytes: 4096 })
    } finally {
      fs.rmSync(dist, { recursive: true, force: true })
    }
  })
})

describe('connection limits', () => {
  it('refuses a board’s connection beyond MAX_CONNECTIONS_PER_BOARD (4508) and others from one address beyond MAX_CONNECTIONS_PER_IP (4509)', async () => {
    const server = await serverWith({ MAX_CONNECTIONS_PER_BOARD: '3', MAX_CONNECTIONS_PER_IP: '5' })
    const boardId = newBoardId()
    const three = [client(server, boardId), client(server, boardId), client(server, boardId)]
    await Promise.all(three.map((c) => whenSynced(c)))
    const fourth = await raw(`${server.wsUrl}/${boardId}`)
    expect(await fourth.closed).toEqual({ code: CloseCode.boardFull, reason: 'too many people on this board' })
    await stillSyncing(three[0], three[2], 'board still fine')

    // Two more from 127.0.0.1 on another board reach the per-address limit of 5 …
    const other = newBoardId()
    const more = [client(server, other), client(server, other)]
    await Promise.all(more.map((c) => whenSynced(c)))
    const sixth = await raw(`${server.wsUrl}/${other}`)
    expect(await sixth.closed).toEqual({ code: CloseCode.tooManyFromAddress, reason: 'too many connections from your address' })
    // … while another address is unaffected.
    const elsewhere = await raw(`${server.wsUrl}/${other}`, '127.0.0.2')
    await new Promise((r) => setTimeout(r, 300))
    expect(elsewhere.ws.readyState).toBe(elsewhere.ws.OPEN)
    await stillSyncing(more[0], more[1], 'other board fine')

    // Leaving frees the slot.
    three[0].destroy()
    await eventually(async () => expect(await metric(server, 'roundtable_connections{access="edit"}')).toBe(5))
    const again = await raw(`${server.wsUrl}/${boardId}`, '127.0.0.3')
    await new Promise((r) => setTimeout(r, 200))
    expect(again.ws.readyState).toBe(again.ws.OPEN)
    expect(await metric(server, 'roundtable_limit_rejections_total{limit="connections_per_board"}')).toBe(1)
    expect(await metric(server, 'roundtable_limit_rejections_total{limit="connections_per_ip"}')).toBe(1)
  })
})

describe('board limits', () => {
  it('refuses an update that would grow the board past MAX_BOARD_BYTES (4413); what was accepted stays', async () => {
    const server = await serverWith({ MAX_BOARD_BYTES: '20000' })
    const boardId = newBoardId()
    const [writer, reader] = [client(server, boardId), client(server, boardId)]
    await Promise.all([whenSynced(writer), whenSynced(reader)])
    const closed = new Promise<number>((resolve) => writer.provider.once('connection-close', (e) => resolve(e!.code)))
    let accepted = 0
    for (let i = 0; i < 10 && writer.provider.wsconnected; i++) {
      writer.doc.getArray<string>('chunks').push([`${i}:`.padEnd(5000, 'x')])
      await new Promise((r) => setTimeout(r, 150))
      if (writer.provider.wsconnected) accepted = i + 1
    }
    expect(await closed).toBe(CloseCode.boardTooLarge)
    expect(accepted).toBeGreaterThanOrEqual(2)
    expect(accepted).toBeLessThan(5)
    // The reader stays connected and has exactly what the server accepted.
    await new Promise((r) => setTimeout(r, 300))
    expect(reader.provider.wsconnected).toBe(true)
    const fresh = client(server, boardId)
    await whenSynced(fresh)
    expect(fresh.doc.getArray('chunks').length).toBe(reader.doc.getArray('chunks').length)
    expect(fresh.doc.getArray('chunks').length).toBeGreaterThanOrEqual(accepted - 1)
    expect(fresh.doc.getArray('chunks').length).toBeLessThanOrEqual(4)
    expect(await metric(server, 'roundtable_limit_rejections_total{limit="board_bytes"}')).toBe(1)
  })

  it('refuses one record past MAX_RECORD_BYTES (4414): a note with 5 MB of text, a shape with 100,000 props; the board stays usable', async () => {
    const server = await serverWith({ MAX_FRAME_BYTES: String(20 * 1024 * 1024) })
    const boardId = newBoardId()
    const [writer, reader] = [client(server, boardId), client(server, boardId)]
    await Promise.all([whenSynced(writer), whenSynced(reader)])
    const note = (id: string, props: Record<string, unknown>) => ({ id, typeName: 'shape', type: 'note', props })
    boardRecords(writer.doc).set('shape:ok', note('shape:ok', { text: 'fits' }) as never)
    await eventually(() => expect(boardRecords(reader.doc).has('shape:ok')).toBe(true))
    const hugeRecords = [
      note('shape:long', { text: 'x'.repeat(5 * 1024 * 1024) }),
      note('shape:wide', Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`p${i}`, 0]))),
    ]
    for (const [i, huge] of hugeRecords.entries()) {
      const attacker = i === 0 ? writer : client(server, boardId)
      await whenSynced(attacker)
      const closed = new Promise<[number, string]>((resolve) =>
        attacker.provider.once('connection-close', (e) => resolve([e!.code, e!.reason])),
      )
      boardRecords(attacker.doc).set(huge.id, huge as never)
      const [code, reason] = await withTimeout(closed, 10_000, 'the writer was not refused')
      expect(code).toBe(CloseCode.recordTooLarge)
      expect(reason).toMatch(/a record is too big \(\d+ characters; the limit is 524288\)/)
    }
    // Nobody else was affected; the board has none of it and takes more edits.
    await new Promise((r) => setTimeout(r, 300))
    expect(reader.provider.wsconnected).toBe(true)
    const fresh = client(server, boardId)
    await whenSynced(fresh)
    expect([...boardRecords(fresh.doc).map.keys()]).toEqual(['shape:ok'])
    await stillSyncing(reader, fresh, 'after the refusal')
    expect(await metric(server, 'roundtable_limit_rejections_total{limit="record_bytes"}')).toBe(2)
  })

  it('counts every update of a burst against MAX_BOARD_BYTES, not only those stored before it', async () => {
    const server = await serverWith({ MAX_BOARD_BYTES: '20000' })
    const boardId = newBoardId()
    const reader = client(server, boardId)
    await whenSynced(reader)
    // 40 updates of 5 kB sent at once: all of them arrive within one flush window.
    const doc = new Y.Doc()
    const frames: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => frames.push(syncFrame('update', u)))
    for (let i = 0; i < 40; i++) doc.getArray<string>('chunks').push([`${i}:`.padEnd(5000, 'x')])
    const writer = await raw(`${server.wsUrl}/${boardId}`)
    for (const frame of frames) writer.send(frame)
    expect((await withTimeout(writer.closed, 5_000, 'the writer was not refused')).code).toBe(CloseCode.boardTooLarge)

    const fresh = client(server, boardId)
    await whenSynced(fresh)
    expect(fresh.doc.getArray('chunks').length).toBeLessThanOrEqual(4)
    expect(Y.encodeStateAsUpdate(fresh.doc).length).toBeLessThanOrEqual(20000)
    await eventually(() => expect(reader.doc.getArray('chunks').length).toBe(fresh.doc.getArray('chunks').length))
    expect(reader.provider.wsconnected).toBe(true)
    expect(await metric(server, 'roundtable_limit_rejections_total{limit="board_bytes"}')).toBe(1)
  })

  it('keeps the stored log bounded too: a value overwritten again and again is compacted by size', async () => {
    const server = await serverWith({ MAX_BOARD_BYTES: '20000' })
    const boardId = newBoardId()
    const writer = await raw(`${server.wsUrl}/${boardId}`)
    const doc = new Y.Doc()
    let last: Uint8Array | undefined
    doc.on('update', (u: Uint8Array) => (last = syncFrame('update', u)))
    for (let i = 0; i < 100; i++) {
      // The old value is garbage in the state, but each update is 8 kB in the log.
      doc.getMap('m').set('blob', `${i}`.padEnd(8000, 'x'))
      writer.send(last!)
      await new Promise((r) => setTimeout(r, 10))
    }
    await eventually(async () => expect(await metric(server, 'roundtable_compactions_total')).toBeGreaterThanOrEqual(20))
    await new Promise((r) => setTimeout(r, 200))
    expect(writer.ws.readyState).toBe(writer.ws.OPEN)
    const onDisk = readDb(server.dataDir, (db) => {
      const log = db.prepare('SELECT COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM board_updates WHERE board_id = ?').get(boardId) as {
        bytes: number
      }
      const state = db.prepare('SELECT LENGTH(data) AS bytes FROM board_state WHERE board_id = ?').get(boardId) as { bytes: number }
      return { log: log.bytes, state: state.bytes }
    })
    expect(onDisk.state).toBeLessThan(10_000)
    expect(onDisk.log).toBeLessThanOrEqual(20_000 + 8_100)
  })

  it('unloads the least recently used idle board to make room, and refuses (4503) when none is idle', async () => {
    const server = await serverWith({ MAX_BOARDS_LOADED: '2', ROOM_IDLE_MS: '600000' })
    const [boardA, boardB, boardC, boardD] = [newBoardId(), newBoardId(), newBoardId(), newBoardId()]
    const a = client(server, boardA)
    const b = client(server, boardB)
    await Promise.all([whenSynced(a), whenSynced(b)])
    b.doc.getText('t').insert(0, 'kept through eviction')
    await new Promise((r) => setTimeout(r, 200))
    b.destroy()
    await eventually(async () => expect(await metric(server, 'roundtable_connections{access="edit"}')).toBe(1))
    expect(await metric(server, 'roundtable_boards_loaded')).toBe(2)

    const c = client(server, boardC)
    await whenSynced(c)
    // The log arrives through a pipe, possibly after the client synced.
    await eventually(() =>
      expect(server.output()).toMatch(new RegExp(`"board":"${boardTag(boardB)}","why":"to make room".*board unloaded`)),
    )
    expect(await metric(server, 'roundtable_boards_loaded')).toBe(2)

    const d = await raw(`${server.wsUrl}/${boardD}`)
    expect(await d.closed).toEqual({ code: CloseCode.serverBusy, reason: 'server busy: too many boards open' })
    await stillSyncing(a, client(server, boardA), 'A still fine')

    c.destroy()
    const b2 = client(server, boardB)
    await whenSynced(b2)
    expect(b2.doc.getText('t').toString()).toBe('kept through eviction')
  })
})
