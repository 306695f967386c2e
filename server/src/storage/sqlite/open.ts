import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

/**
 * Opens (creating if needed) one SQLite file under DATA_DIR the way every store here wants it.
 * WAL with synchronous=NORMAL makes each committed write survive a killed process (the WAL is
 * written before the call returns); power loss may lose the last moments, which FULL would
 * prevent at a large cost per write. WAL also lets several connections share a file (boards and
 * snapshots do).
 */
export function openDatabase(dataDir: string, file: string): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true })
  try {
    fs.accessSync(dataDir, fs.constants.W_OK)
  } catch (err) {
    // SQLite would only say "unable to open database file"; say what is wrong.
    throw new Error(`DATA_DIR ${dataDir} is not writable (${(err as NodeJS.ErrnoException).code}): Roundtable stores boards there`, {
      cause: err,
    })
  }
  const db = new Database(path.join(dataDir, file))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  // This server is the only writer. When another process holds the lock anyway (a backup, a
  // script), each write waits this long on the event loop, freezing every board: fail fast
  // instead (the board's writer refuses writes and retries; a vote is refused and can be cast again).
  db.pragma('busy_timeout = 200')
  return db
}
