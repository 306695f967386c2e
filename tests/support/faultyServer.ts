/**
 * The real server with one difference: while the file named by FAULT_FILE exists, every write
 * to board storage fails with the SQLite error code written in it (e.g. SQLITE_READONLY or
 * SQLITE_FULL), as when the disk turns read-only or fills up under a running server. Reads work.
 * Started by startServerProcess({ faulty: true }).
 */
import fs from 'node:fs'
import Database from 'better-sqlite3'
import { configFromEnv, createLogger, SqliteStorage, startServer } from '@roundtable/server'

const faultFile = process.env.FAULT_FILE
if (!faultFile) throw new Error('FAULT_FILE must name the file that switches storage faults on')

class FaultyStorage extends SqliteStorage {
  protected override write<T>(fn: () => T): T {
    const code = fs.existsSync(faultFile!) ? fs.readFileSync(faultFile!, 'utf8').trim() : ''
    if (!code) return super.write(fn)
    return super.write(() => {
      throw new Database.SqliteError(`injected fault: ${code}`, code)
    })
  }
}

const config = configFromEnv()
const log = createLogger(config.logLevel)
const server = await startServer(config, { logger: log, storage: new FaultyStorage(config.dataDir) })
log.info({ url: server.url }, 'Roundtable (with injectable storage faults) is running')
process.on('SIGTERM', () => server.close().then(() => process.exit(0)))
