import { pino, type DestinationStream, type Logger } from 'pino'
import { boardTag } from '@roundtable/shared'

export type { Logger }

/** Log lines allowed to wait in memory for a slow stdout; beyond this, new lines are dropped. */
const MAX_PENDING_BYTES = 1024 * 1024

/**
 * Where log lines go: stdout, written so that logging can never hold up a request or a shutdown.
 *
 * Not pino's default destination (sonic-boom on fd 1): it writes on the thread pool and, on
 * process 'exit', flushes what is left in a synchronous loop that retries a failed write every
 * 100 ms for ever, after EPIPE (the reader is gone) as after EAGAIN (the pipe is full). A server
 * whose log reader had gone away or stopped reading thus never got past process.exit() after
 * SIGTERM: it stopped listening, then spun in that loop, where no signal or timer runs again.
 *
 * Here a line goes to Node's own stdout stream, which writes a pipe without blocking (at once
 * while it has room, queued otherwise), and nothing waits for it at exit but flushLogs, which has
 * a deadline. While more than MAX_PENDING_BYTES are queued, lines are dropped and counted (one
 * line says how many, once there is room); after a write error (EPIPE, say) nothing more is
 * written, and the error is handled here instead of crashing the process.
 */
class StdoutDestination implements DestinationStream {
  private broken = false
  private dropped = 0

  constructor(private readonly out: NodeJS.WriteStream) {
    out.on('error', () => {
      this.broken = true
    })
  }

  /** True while lines are queued for a reader that is still there. */
  get pending(): boolean {
    return !this.broken && !this.out.destroyed && this.out.writableLength > 0
  }

  write(line: string) {
    if (this.broken || this.out.destroyed || !this.out.writable) return
    if (this.out.writableLength > MAX_PENDING_BYTES) {
      this.dropped++
      return
    }
    if (this.dropped > 0) {
      const msg = `${this.dropped} log lines were dropped: stdout was not being read`
      this.out.write(`${JSON.stringify({ level: 40, time: Date.now(), service: 'roundtable', dropped: this.dropped, msg })}\n`)
      this.dropped = 0
    }
    this.out.write(line)
  }
}

let stdout: StdoutDestination | undefined

/** Fields that hold a board id (an edit link's key): logged as the board's tag instead. */
const BOARD_ID_FIELDS: Record<string, string> = { boardId: 'board', forkId: 'fork' }

/** A log line's fields with every board id replaced by its tag (see boardTag.ts), in place of it. */
export function tagBoardIds(fields: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(BOARD_ID_FIELDS).some((field) => typeof fields[field] === 'string')) return fields
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (key in BOARD_ID_FIELDS && typeof value === 'string') out[BOARD_ID_FIELDS[key]] = boardTag(value)
    else out[key] = value
  }
  return out
}

/**
 * Structured JSON logs on stdout; never log board contents or secrets. Code logs `boardId` where
 * it has one and the line says `board: <tag>` (pino does not pass a child's bindings through the
 * formatter: give a child `board: boardTag(id)` itself).
 */
export function createLogger(level: string, destination: DestinationStream = (stdout ??= new StdoutDestination(process.stdout))): Logger {
  return pino({ level, base: { service: 'roundtable' }, formatters: { log: tagBoardIds } }, destination)
}

/** Waits (at most `timeoutMs`) for queued log lines to reach a slow reader, e.g. before exiting. */
export async function flushLogs(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (stdout?.pending && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
}
