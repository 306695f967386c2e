import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The server's Prometheus metrics, on their own registry so several servers can share a process. */
export function createMetrics() {
  const registry = new Registry()
  // Event-loop lag sampled every 100 ms, not prom-client's 10: a timer firing 100 times a second costs an idle server CPU.
  collectDefaultMetrics({ register: registry, prefix: 'roundtable_process_', eventLoopMonitoringPrecision: 100 })
  const registers = [registry]
  return {
    registry,
    connections: new Gauge({
      name: 'roundtable_connections',
      help: 'Open WebSocket connections',
      labelNames: ['access'] as const,
      registers,
    }),
    boardsLoaded: new Gauge({ name: 'roundtable_boards_loaded', help: 'Boards held in memory', registers }),
    boardsDecoded: new Gauge({
      name: 'roundtable_boards_decoded',
      help: 'Loaded boards whose doc is decoded; the others are kept as encoded bytes until edited',
      registers,
    }),
    messagesIn: new Counter({ name: 'roundtable_messages_in_total', help: 'WebSocket messages received', registers }),
    messagesOut: new Counter({ name: 'roundtable_messages_out_total', help: 'WebSocket messages sent', registers }),
    bytesIn: new Counter({ name: 'roundtable_bytes_in_total', help: 'WebSocket bytes received', registers }),
    bytesOut: new Counter({ name: 'roundtable_bytes_out_total', help: 'WebSocket bytes sent', registers }),
    persistSeconds: new Histogram({
      name: 'roundtable_persist_seconds',
      help: 'Time to append one batch of updates to storage',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    compactions: new Counter({ name: 'roundtable_compactions_total', help: 'Board logs folded into one state', registers }),
    limitRejections: new Counter({
      name: 'roundtable_limit_rejections_total',
      help: 'Connections closed or refused because a limit was exceeded',
      labelNames: ['limit'] as const,
      registers,
    }),
    errors: new Counter({ name: 'roundtable_errors_total', help: 'Errors by kind', labelNames: ['kind'] as const, registers }),
    corruptRows: new Counter({ name: 'roundtable_corrupt_rows_total', help: 'Stored rows that failed their checksum on load', registers }),
    relayed: new Gauge({
      name: 'roundtable_relayed_connections',
      help: 'Connections this process relays to the process that owns their board (DATABASE_URL only)',
      registers,
    }),
    ownership: new Counter({
      name: 'roundtable_board_ownership_total',
      help: 'Board ownership events: acquired, released, lost (another process took the board over)',
      labelNames: ['event'] as const,
      registers,
    }),
    fencedWrites: new Counter({
      name: 'roundtable_fenced_writes_total',
      help: 'Writes the database refused because another process had taken the board over',
      registers,
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
