import type { PresentParticipant } from '@roundtable/shared'

/** How much longer each next device in the acting order waits. */
const STAGGER_MS = 1500

/**
 * How long this device waits, beyond the moment itself, before writing an act nobody presses (a
 * timer ending a turn, a leaver's turn skipped): the first device in the order (`preferredId` if
 * here, then everyone by id) acts at once, the next only if it did not, and so on. The first may
 * be a view-only visitor, who cannot write; acts that come twice are void in the log anyway.
 */
export function actingDelay(meId: string, people: readonly PresentParticipant[], preferredId?: string): number {
  const ids = people.map((p) => p.user.id).sort()
  const order = preferredId && ids.includes(preferredId) ? [preferredId, ...ids.filter((id) => id !== preferredId)] : ids
  const rank = order.indexOf(meId)
  return (rank < 0 ? order.length : rank) * STAGGER_MS
}
