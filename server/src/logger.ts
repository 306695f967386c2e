import { pino, type Logger } from 'pino'

export type { Logger }

/** Structured JSON logs on stdout; never log board contents or secrets. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'roundtable' } })
}
