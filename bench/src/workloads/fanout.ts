import { YKeyValue } from 'y-utility/y-keyvalue'
import type { JsonRecord } from '@roundtable/shared'
import { connect, type BenchClient } from '../clients.ts'
import { untilQuiet, type RunningServer } from '../servers.ts'
import { newBoard } from '../board.ts'
import { noteRecord } from '../records.ts'
import { quantile, sleep, until } from '../stats.ts'

/**
 * How long after the last delivery a run's CPU window stays open (then until the server is
 * quiet): the longest deferred work among the servers' defaults is Roundtable turning a board
 * idle for 10 s (DOC_IDLE_MS) back into bytes and compacting it; Hocuspocus stores 2 s after the
 * last change. V8's memory reducer also collects some seconds after a burst of allocation.
 */
export const DEFERRED_MS = 11_000

export interface FanoutOptions {
  readers: number
  updates: number
  /** Bursts: updates the writer keeps in flight (sent, not yet applied at every reader). */
  window?: number
  /** Paced: the writer sends this many updates a second whatever the readers do, like a drag. */
  hz?: number
  /** The CPU window's minimum length after the last delivery (DEFERRED_MS; short in smoke mode). */
  deferredMs?: number
}

export interface FanoutRun {
  /** Updates the writer sent per second, first send to last. */
  updatesPerSec: number
  deliveriesPerSec: number
  /** Per update, from the writer's send until the last reader applied it. */
  p50Ms: number
  p99Ms: number
  /** Server CPU per 1,000 deliveries, above its idle rate, deferred work included. */
  cpuMsPer1000: number
  /** Server's CPU rate when idle (subtracted above). */
  idleCpuMsPerSec: number
  /** WebSocket messages the server sent (to anyone) per delivery. */
  messagesPerDelivery: number
  /** Client reconnections during the run (any makes the run suspect). */
  reconnects: number
  /** Whether the server went quiet before and after the run within the time allowed. */
  quiet: boolean
  seconds: number
}

export interface FanoutHandle {
  /** Every reader has applied the last update: the next server's run may start. */
  delivered: Promise<void>
  /** The run's figures, once its CPU window closed (DEFERRED_MS after delivery). */
  result: Promise<FanoutRun>
}

/**
 * One writer moves one sticky `updates` times while `readers` clients on the same board apply
 * each move. The moved note's x is the update's sequence number, so each reader knows which
 * updates a change covers (a merged update covers several; all count as delivered).
 *
 * The server's CPU is counted from a quiet server (clients connected and synced) until it is
 * quiet again at least DEFERRED_MS after the last delivery, with the clients still connected,
 * minus what it spends idle over that time (a steady cost, not the deliveries'). The clients publish no presence, so the window
 * holds the doc traffic only (presence has its own workload).
 */
export function fanoutRun(server: RunningServer, opts: FanoutOptions): FanoutHandle {
  let markDelivered!: () => void
  const delivered = new Promise<void>((resolve) => (markDelivered = resolve))
  const result = run(server, opts, markDelivered)
  // A run that fails before delivering fails `delivered` too.
  return { delivered: Promise.race([delivered, result.then(() => {})]), result }
}

async function run(server: RunningServer, opts: FanoutOptions, markDelivered: () => void): Promise<FanoutRun> {
  const board = newBoard('fan')
  const clients: BenchClient[] = []
  try {
    const n = opts.updates
    const sentAt = new Float64Array(n + 1)
    const done = new Uint16Array(n + 1)
    const latencies = new Float64Array(n)
    let completed = 0 // every update up to this one reached every reader
    let wake = () => {}

    // Spread over the processes when there are several (the writer lands on one of them too).
    const at = (i: number) => (server.wsUrls ? { kind: server.kind, wsUrl: server.wsUrls[i % server.wsUrls.length] } : server)
    for (let r = 0; r < opts.readers; r++) clients.push(connect(at(r), board))
    for (const c of clients) c.awareness.setLocalState(null)
    await Promise.all(clients.map((c) => c.synced))
    for (const reader of clients) {
      const kv = new YKeyValue<JsonRecord>(reader.doc.getArray('records'))
      let seen = -1
      kv.on('change', (changes: Map<string, { newValue?: JsonRecord }>) => {
        const value = changes.get('shape:note0')?.newValue
        if (!value) return
        const seq = value.x as number
        if (seq <= seen) return
        const now = performance.now()
        for (let j = seen + 1; j <= seq; j++) {
          if (++done[j] < opts.readers) continue
          // The last reader has it: that is when the update was applied at every reader.
          if (j > 0) latencies[j - 1] = now - sentAt[j]
          if (j === completed + 1) while (completed < n && done[completed + 1] === opts.readers) completed++
        }
        seen = seq
        wake()
      })
    }
    const writer = connect(at(opts.readers), board)
    writer.awareness.setLocalState(null)
    clients.push(writer)
    await writer.synced
    const kv = new YKeyValue<JsonRecord>(writer.doc.getArray('records'))
    kv.set('shape:note0', noteRecord(0, 0, 0))
    await until(() => done[0] === opts.readers, 20_000, 'every reader to see the first note')

    const messages = () => clients.reduce((s, c) => s + c.messagesIn(), 0)
    const before = await untilQuiet(server)
    const messages0 = messages()
    const t0 = performance.now()
    let sent = 0
    const send = () => {
      sent++
      sentAt[sent] = performance.now()
      kv.set('shape:note0', noteRecord(0, sent, 0))
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fan-out stalled at ${completed}/${n} on ${server.kind}`)), 120_000)
      const finish = () => {
        if (completed < n) return
        clearTimeout(timer)
        resolve()
      }
      if (opts.hz) {
        // Paced: one update per period on a fixed clock; a late timer sends late rather than
        // sending two at once, so the writer never bursts.
        const period = 1000 / opts.hz
        let next = t0
        const tick = () => {
          if (sent >= n) return
          send()
          next = Math.max(next + period, performance.now() + period / 2)
          if (sent < n) setTimeout(tick, next - performance.now())
        }
        wake = finish
        tick()
      } else {
        let scheduled = false
        const pump = () => {
          scheduled = false
          while (sent < n && sent - completed < opts.window!) send()
          finish()
        }
        wake = () => {
          if (!scheduled) {
            scheduled = true
            setImmediate(pump)
          }
        }
        pump()
      }
    })
    const tDelivered = performance.now()
    const seconds = (tDelivered - t0) / 1000
    markDelivered()

    await sleep(opts.deferredMs ?? DEFERRED_MS)
    // Two quiet seconds at the end: the idle rate read here is steadier than the one before the
    // run (which may hold the tail of the clients' joining); the lower of the two is taken.
    const after = await untilQuiet(server, { quietMs: 2000 })
    const idleMsPerSec = Math.min(before.idleMsPerSec, after.idleMsPerSec)
    const windowSeconds = (performance.now() - t0) / 1000
    const cpu = after.cpuMs - before.cpuMs - idleMsPerSec * windowSeconds
    const deliveries = n * opts.readers
    return {
      updatesPerSec: ((n - 1) * 1000) / (sentAt[n] - sentAt[1]),
      deliveriesPerSec: deliveries / seconds,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      cpuMsPer1000: (cpu / deliveries) * 1000,
      idleCpuMsPerSec: idleMsPerSec,
      messagesPerDelivery: (messages() - messages0) / deliveries,
      reconnects: clients.reduce((s, c) => s + c.reconnects(), 0),
      quiet: before.quiet && after.quiet,
      seconds,
    }
  } finally {
    for (const c of clients) c.destroy()
  }
}
