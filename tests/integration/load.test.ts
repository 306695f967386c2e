/**
 * A small version of the load run (`npm run bench:load` does 500 connections for 60 s): many
 * stock clients over several boards edit at once; afterwards every client holds exactly what
 * the server stored.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { eventually } from '../support/yclient.ts'
import { Harness, boardId, snapshot, stateVectorHex } from './helpers.ts'

const BOARDS = 10
const CLIENTS_PER_BOARD = 10
const EDIT_MS = 6_000
const EDITS_PER_SECOND = 10

const h = new Harness()
afterAll(() => h.dispose())

describe('load', () => {
  it(`${BOARDS * CLIENTS_PER_BOARD} clients over ${BOARDS} boards editing at once all converge on the server's state`, async () => {
    const server = await h.server()
    const boards = Array.from({ length: BOARDS }, () => boardId())
    const clients = await Promise.all(
      boards.flatMap((board) => Array.from({ length: CLIENTS_PER_BOARD }, async () => ({ board, client: await h.client(server, board) }))),
    )

    // Every client edits its own keys and a few shared ones (concurrent writes to one key).
    let sent = 0
    const until = Date.now() + EDIT_MS
    await Promise.all(
      clients.map(async ({ client }, c) => {
        const items = client.doc.getMap('items')
        for (let n = 0; Date.now() < until; n++) {
          items.set(`c${c}-${n % 20}`, n)
          if (n % 5 === 0) items.set(`shared-${n % 3}`, `${c}:${n}`)
          sent++
          await new Promise((r) => setTimeout(r, 1000 / EDITS_PER_SECOND))
        }
      }),
    )
    expect(sent).toBeGreaterThan(BOARDS * CLIENTS_PER_BOARD * EDITS_PER_SECOND * (EDIT_MS / 1000) * 0.5)

    // A fresh client per board reads what the server has; every editor must converge to it.
    for (const board of boards) {
      const fresh = await h.client(server, board)
      const editors = clients.filter((c) => c.board === board).map((c) => c.client)
      await eventually(() => {
        for (const editor of editors) expect(stateVectorHex(editor.doc)).toBe(stateVectorHex(fresh.doc))
      }, 20_000)
      const expected = snapshot(fresh.doc).items
      expect(Object.keys(expected).length).toBe(CLIENTS_PER_BOARD * 20 + 3)
      for (const editor of editors) expect(snapshot(editor.doc).items).toEqual(expected)
    }
    // Nobody was refused along the way.
    expect(server.output()).not.toMatch(/closing connection/)
  }, 90_000)
})
