import { afterEach, describe, expect, it, vi } from 'vitest'
import { CloseCode } from '@roundtable/shared'
import { roomFixtures } from './testing.ts'

const { openRoom } = roomFixtures()

afterEach(() => {
  vi.useRealTimers()
})

/** How long a contested holder has to answer its ping (CONTEST_PONG_MS). */
const CONTEST_MS = 5000

/** A room where Alice holds her own presence and `claimant` claims her id as its own. */
function contested({ holderAnswers }: { holderAnswers: boolean }) {
  vi.useFakeTimers()
  const { room, join } = openRoom()
  const alice = join()
  alice.conn.answersPings = holderAnswers
  alice.awareness([{ clock: 1, state: { name: 'Alice' } }])
  const claimant = join()
  claimant.awareness([{ clientId: alice.clientId, clock: 5, state: { name: 'Alice again' } }])
  return { room, alice, claimant }
}

describe('whose presence is whose', () => {
  it('the first claim wins; a relayed change to a presence another connection holds is ignored, not fatal', () => {
    const { room, join } = openRoom()
    const alice = join()
    const bob = join()
    alice.awareness([{ clock: 1, state: { name: 'Alice' } }])
    bob.awareness([{ clock: 1, state: { name: 'Bob' } }])
    bob.awareness([{ clientId: alice.clientId, clock: 2, state: { name: 'not Alice' } }])
    expect(room.awareness.getStates().get(alice.clientId)).toEqual({ name: 'Alice' })
    expect(room.awareness.getStates().get(bob.clientId)).toEqual({ name: 'Bob' })
    expect(bob.conn.closed).toBeUndefined()
    // Not a claim to Bob's own id: nobody is pinged.
    expect(alice.conn.pings).toBe(0)
    expect(room.connections().get(alice.conn)).toEqual(new Set([alice.clientId]))
    expect(room.connections().get(bob.conn)).toEqual(new Set([bob.clientId]))
  })

  it('a client’s own id is taken back from a connection that only relayed it', () => {
    const { room, join } = openRoom()
    const alice = join()
    const tab = join()
    tab.awareness([{ clock: 1, state: { name: 'Tab' } }])
    // The tab relays Alice's presence before she is connected herself.
    tab.awareness([{ clientId: alice.clientId, clock: 1, state: { name: 'Alice, relayed' } }])
    expect(room.connections().get(tab.conn)).toEqual(new Set([tab.clientId, alice.clientId]))

    alice.awareness([{ clock: 2, state: { name: 'Alice' } }])
    expect(room.awareness.getStates().get(alice.clientId)).toEqual({ name: 'Alice' })
    expect(room.connections().get(alice.conn)).toEqual(new Set([alice.clientId]))
    expect(room.connections().get(tab.conn)).toEqual(new Set([tab.clientId]))
    // From then on the tab's relays of it are ignored.
    tab.awareness([{ clientId: alice.clientId, clock: 3, state: { name: 'Alice, relayed' } }])
    expect(room.awareness.getStates().get(alice.clientId)).toEqual({ name: 'Alice' })
    expect([alice.conn.closed, tab.conn.closed]).toEqual([undefined, undefined])
  })

  it('a claimant of a live holder’s own id is closed with 4410 once the holder answers its ping', async () => {
    const { room, alice, claimant } = contested({ holderAnswers: true })
    expect(alice.conn.pings).toBe(1)
    await vi.advanceTimersByTimeAsync(CONTEST_MS - 1)
    expect(claimant.conn.closed).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(claimant.conn.closed?.code).toBe(CloseCode.presenceNotYours)
    expect(alice.conn.isOpen).toBe(true)
    expect(room.awareness.getStates().get(alice.clientId)).toEqual({ name: 'Alice' })
  })

  it('a holder that does not answer is cut as a dead socket, and the id goes to the one who claims it', async () => {
    // Alice's client reconnected on a new socket (the claimant); the old one is silent.
    const { room, alice, claimant: again } = contested({ holderAnswers: false })
    await vi.advanceTimersByTimeAsync(CONTEST_MS)
    expect(alice.conn.terminated).toBe(true)
    expect(again.conn.closed).toBeUndefined()
    again.awareness([{ clientId: alice.clientId, clock: 6, state: { name: 'Alice again' } }])
    expect(room.awareness.getStates().get(alice.clientId)).toEqual({ name: 'Alice again' })
    expect(room.connections().get(again.conn)).toEqual(new Set([alice.clientId]))
  })
})
