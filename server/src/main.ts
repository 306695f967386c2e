import { configFromEnv, ConfigError } from './config.ts'
import { createLogger, flushLogs } from './logger.ts'
import { startServer } from './app.ts'

/**
 * After SIGTERM or SIGINT the process is gone within this long, whatever happens while closing
 * (sockets get 1 s; compaction and snapshots are quick): a last resort that exits 1, well inside
 * a supervisor's grace period (Docker's is 10 s). It can fire only while the event loop runs,
 * which is why logging must never block it (see logger.ts).
 */
const EXIT_DEADLINE_MS = 8_000
/** How long the last log lines may take to reach a slow reader before the process exits. */
const LOG_FLUSH_MS = 500

// Besides the lines below, Node writes its own warnings to stderr. Once the reader of that pipe is
// gone, a write fails with EPIPE, and an unhandled stream error would crash the server.
process.stderr.on('error', () => {})

let config
let log
try {
  config = configFromEnv()
  log = createLogger(config.logLevel)
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Roundtable: ${err.message}`)
    process.exit(2)
  }
  throw err
}
for (const warning of config.warnings ?? []) log.warn(warning)

try {
  const server = await startServer(config, { logger: log })
  log.info({ url: server.url, dataDir: config.dataDir }, `Roundtable is running: open ${server.url}`)
  // Logs are JSON lines for machines; someone at a terminal gets the address in plain words too.
  if (process.stderr.isTTY) console.error(`\n  Roundtable is running: open ${server.url}\n  (Ctrl+C stops it)\n`)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    setTimeout(() => {
      log.error({ signal }, `still not stopped ${EXIT_DEADLINE_MS / 1000} s after ${signal}; exiting anyway`)
      process.exit(1)
    }, EXIT_DEADLINE_MS)
    log.info({ signal }, 'shutting down')
    server.close().then(
      async () => {
        log.info('stopped')
        await flushLogs(LOG_FLUSH_MS)
        process.exit(0)
      },
      async (err) => {
        log.error({ err }, `could not close cleanly: ${(err as Error).message}`)
        await flushLogs(LOG_FLUSH_MS)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
} catch (err) {
  const e = err as NodeJS.ErrnoException
  if (e.code === 'EADDRINUSE') log.fatal(`port ${config.port} on ${config.host} is in use; set PORT to another port`)
  else log.fatal({ err }, `could not start: ${e.message}`)
  await flushLogs(LOG_FLUSH_MS)
  process.exit(1)
}
