/**
 * Three Roundtable processes on one PostgreSQL database behind HAProxy (round-robin, no sticky
 * sessions), as the README's "Running several processes" sets them up, and two people in
 * Chromium on one board through it: every page load, API call and socket may reach any process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { Browser, Page } from 'playwright-core'
import { newBoardId } from '@roundtable/shared'
import { launchBrowser } from '../support/browser.ts'
import { connectionState, joinBoard, noteWithText, writeSticky } from '../support/e2e.ts'
import { artifactPath } from '../support/e2eSession.ts'
import { startHaproxy, type TestHaproxy } from '../support/haproxy.ts'
import { startPostgres, type TestPostgres } from '../support/postgres.ts'
import { startServerProcess, type ServerProcess } from '../support/server.ts'

let db: TestPostgres
let servers: ServerProcess[] = []
let proxy: TestHaproxy
let browser: Browser

beforeAll(async () => {
  db = await startPostgres()
  servers = await Promise.all(
    [1, 2, 3].map(() =>
      startServerProcess({
        env: {
          DATABASE_URL: db.url,
          MAX_CONNECTIONS_PER_IP: '1000',
          MAX_UPGRADES_PER_IP_PER_SECOND: '1000',
          MAX_API_REQUESTS_PER_IP_PER_SECOND: '1000',
        },
      }),
    ),
  )
  proxy = await startHaproxy(servers.map((s) => s.port))
  browser = await launchBrowser()
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await proxy?.stop()
  for (const s of servers) await s.stop()
  await db?.stop()
})

async function person(boardId: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await joinBoard(page, `${proxy.url}/b/${boardId}`, name)
  return page
}

async function ownerOf(boardId: string): Promise<ServerProcess | undefined> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    const { rows } = await client.query<{ address: string }>('SELECT address FROM board_owners WHERE board_id = $1', [boardId])
    return rows[0] && servers.find((s) => rows[0].address.endsWith(`:${s.port}`))
  } finally {
    await client.end()
  }
}

describe('several processes behind a round-robin load balancer', () => {
  it('two people on one board see each other’s notes and cursors, and carry on when the process owning the board dies', async () => {
    const boardId = newBoardId()
    const alice = await person(boardId, 'Alice')
    const bob = await person(boardId, 'Bob')
    await writeSticky(alice, { x: 500, y: 350 }, 'Through any process')
    await noteWithText(bob, 'Through any process').waitFor({ timeout: 10_000 })
    await bob.mouse.move(700, 500)
    await bob.mouse.move(720, 520)
    await alice.locator('.tl-nametag', { hasText: 'Bob' }).waitFor({ timeout: 10_000 })
    await alice.screenshot({ path: artifactPath('cluster-two-people.png') })

    const owner = await ownerOf(boardId)
    expect(owner).toBeDefined()
    await owner!.stop('SIGKILL')
    // Both pages reconnect (through the proxy, to a survivor) and go on working together.
    for (const page of [alice, bob]) await expect.poll(() => connectionState(page), { timeout: 15_000 }).toBe('connected')
    await writeSticky(bob, { x: 800, y: 350 }, 'After the owner died')
    await noteWithText(alice, 'After the owner died').waitFor({ timeout: 10_000 })
    expect(await noteWithText(alice, 'Through any process').count()).toBe(1)
    const newOwner = await ownerOf(boardId)
    expect(newOwner).toBeDefined()
    expect(newOwner).not.toBe(owner)
  })
})
