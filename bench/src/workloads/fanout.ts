import { YKeyValue } from 'y-utility/y-keyvalue'
import type { JsonRecord } from '@roundtable/shared'
import { connect, type BenchClient } from '../clients.ts'
import type { RunningServer } from '../servers.ts'
import { newBoard } from '../board.ts'
import { noteRecord } from '../records.ts'
import { quantile, until } from '../stats.ts'

export interface FanoutOptions {
  readers: number
  updates: number
  /** Updates the writer keeps in flight (sent, not yet applied at every reader). */
  window: number
}

export interface FanoutRun {
  updatesPerSec: number
  deliveriesPerSec: number
  p50Ms: number
  p99Ms: number
  /** Server user+system CPU per 1,000 deliveries. */
  cpuMsPer1000: number
  seconds: number
}

/**
 * One writer moves one sticky `updates` times while `readers` clients on the same board apply
 * each move. The moved note's x is the update's sequence number, so each reader knows which
 * updates a change covers (a merged update covers several; all count as delivered).
 */
export async function fanoutRun(server: RunningServer, opts: FanoutOptions): Promise<FanoutRun> {
  const board = newBoard('fan')
  const clients: BenchClient[] = []
  try {
    const n = opts.updates
    const sentAt = new Float64Array(n + 1)
    const done = new Uint16Array(n + 1)
    const latencies = new Float64Array(n * opts.readers)
    let recorded = 0
    let completed = 0 // every update up to this one reached every reader
    let wake = () => {}

    for (let r = 0; r < opts.readers; r++) clients.push(connect(server, board))
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
          if (j > 0) latencies[recorded++] = now - sentAt[j]
          if (++done[j] === opts.readers && j === completed + 1) {
            while (completed < n && done[completed + 1] === opts.readers) completed++
          }
        }
        if (seq === 0 && done[0] === opts.readers) completed = 0
        seen = seq
        wake()
      })
    }
    const writer = connect(server, board)
    clients.push(writer)
    await writer.synced
    const kv = new YKeyValue<JsonRecord>(writer.doc.getArray('records'))
    kv.set('shape:note0', noteRecord(0, 0, 0))
    await until(() => done[0] === opts.readers, 20_000, 'every reader to see the first note')

    const cpu0 = server.cpuMs()
    const t0 = performance.now()
    let sent = 0
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fan-out stalled at ${completed}/${n}`)), 120_000)
      let scheduled = false
      const pump = () => {
        scheduled = false
        while (sent < n && sent - completed < opts.window) {
          sent++
          sentAt[sent] = performance.now()
          kv.set('shape:note0', noteRecord(0, sent, 0))
        }
        if (completed === n) {
          clearTimeout(timer)
          resolve()
        }
      }
      wake = () => {
        if (!scheduled) {
          scheduled = true
          setImmediate(pump)
        }
      }
      pump()
    })
    const seconds = (performance.now() - t0) / 1000
    const cpu = server.cpuMs() - cpu0
    const deliveries = n * opts.readers
    const lat = latencies.subarray(0, recorded)
    return {
      updatesPerSec: n / seconds,
      deliveriesPerSec: deliveries / seconds,
      p50Ms: quantile(lat, 0.5),
      p99Ms: quantile(lat, 0.99),
      cpuMsPer1000: (cpu / deliveries) * 1000,
      seconds,
    }
  } finally {
    for (const c of clients) c.destroy()
  }
}
