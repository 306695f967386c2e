import type { Logger } from '../logger.ts'

/**
 * Tests only (ROUNDTABLE_TEST_STALL_MS, which production never sets): SIGUSR2 blocks the event
 * loop that long, as a long garbage collection or a swapped-out machine would, so a test can
 * show that a stalled owner is taken over and fenced out.
 */
export function stallOnSignal(ms: number, log: Logger) {
  log.warn({ ms }, 'ROUNDTABLE_TEST_STALL_MS is set: SIGUSR2 stalls this process (a test hook; never set it in production)')
  process.on('SIGUSR2', () => {
    const until = Date.now() + ms
    while (Date.now() < until) {
      // Busy on purpose: nothing else runs meanwhile.
    }
  })
}
