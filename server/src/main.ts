import { configFromEnv, ConfigError } from './config.ts'
import { createLogger } from './logger.ts'
import { startServer } from './app.ts'

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
    log.info({ signal }, 'shutting down')
    server.close().then(() => {
      log.info('stopped')
      process.exit(0)
    })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
} catch (err) {
  const e = err as NodeJS.ErrnoException
  if (e.code === 'EADDRINUSE') log.fatal(`port ${config.port} on ${config.host} is in use; set PORT to another port`)
  else log.fatal({ err }, `could not start: ${e.message}`)
  process.exit(1)
}
