import { connect, type BenchClient } from '../clients.ts'
import type { RunningServer } from '../servers.ts'
import { newBoard } from '../board.ts'

/** Cursors move this long before a window starts: the joins' burst of state is not measured. */
export const LEAD_IN_MS = 1000

export interface PresenceWindow {
  /** Server CPU per second of presence traffic, in ms. */
  cpuMsPerSec: number
  /** Payload bytes the server sent per second (counted at the clients), in KiB. */
  kibOutPerSec: number
  /** Cursor moves each client published per second while connected (the load really offered). */
  sentHzPerClient: number
  /**
   * Messages each client sent per second: the stock y-websocket client also sends back every
   * presence change it receives (Roundtable's web client, and so the bench's Roundtable client, sends only its own), Hocuspocus' does not.
   */
  messagesHzPerClient: number
}

/** What tldraw publishes as presence, with the cursor moving. */
function presence(i: number, t: number) {
  const x = Math.round(500 + 300 * Math.cos(t / 700 + i))
  const y = Math.round(400 + 200 * Math.sin(t / 500 + i))
  return {
    id: `instance_presence:${i}`,
    typeName: 'instance_presence',
    userId: `user:${i}`,
    userName: `Person ${i}`,
    color: '#1971c2',
    camera: { x: 0, y: 0, z: 1 },
    cursor: { x, y, type: 'default', rotation: 0 },
    screenBounds: { x: 0, y: 0, w: 1280, h: 800 },
    currentPageId: 'page:page',
    selectedShapeIds: [],
    brush: null,
    scribbles: [],
    followingUserId: null,
    chatMessage: '',
    lastActivityTimestamp: t,
    meta: {},
  }
}

/**
 * `clients` people on one board each move their cursor at `hz`; after LEAD_IN_MS, `windows` x
 * `windowMs` are measured, each reported on its own.
 */
export async function presenceRun(
  server: RunningServer,
  opts: { clients: number; hz: number; windows: number; windowMs: number; leadInMs?: number },
): Promise<PresenceWindow[]> {
  const board = newBoard('pres')
  const clients: BenchClient[] = []
  try {
    for (let i = 0; i < opts.clients; i++) clients.push(connect(server, board))
    await Promise.all(clients.map((c) => c.synced))
    for (const [i, c] of clients.entries()) c.awareness.setLocalStateField('user', { id: `p${i}`, name: `Person ${i}` })
    const period = 1000 / opts.hz
    const start = performance.now()
    // Staggered so moves spread over the period, as people's do.
    const next = clients.map((_, i) => start + (i * period) / opts.clients)
    let moves = 0
    const tick = setInterval(() => {
      const now = performance.now()
      for (let i = 0; i < clients.length; i++) {
        if (now >= next[i]) {
          if (clients[i].connected()) moves++
          clients[i].awareness.setLocalStateField('presence', presence(i, now))
          next[i] += period
          if (next[i] < now) next[i] = now + period
        }
      }
    }, 2)
    const windows: PresenceWindow[] = []
    const bytes = () => clients.reduce((n, c) => n + c.bytesIn(), 0)
    const sent = () => clients.reduce((n, c) => n + c.messagesOut(), 0)
    try {
      await new Promise((r) => setTimeout(r, opts.leadInMs ?? LEAD_IN_MS))
      for (let w = 0; w < opts.windows; w++) {
        const cpu0 = server.cpuMs()
        const b0 = bytes()
        const s0 = sent()
        const m0 = moves
        const t0 = performance.now()
        await new Promise((r) => setTimeout(r, opts.windowMs))
        const seconds = (performance.now() - t0) / 1000
        windows.push({
          cpuMsPerSec: (server.cpuMs() - cpu0) / seconds,
          kibOutPerSec: (bytes() - b0) / 1024 / seconds,
          sentHzPerClient: (moves - m0) / clients.length / seconds,
          messagesHzPerClient: (sent() - s0) / clients.length / seconds,
        })
      }
    } finally {
      clearInterval(tick)
    }
    return windows
  } finally {
    for (const c of clients) c.destroy()
  }
}
