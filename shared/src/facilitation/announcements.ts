/**
 * What a screen reader hears of the board's live changes. The page compares the facts below from
 * one moment to the next and reads out what changed, politely, through one live region; nothing
 * is read for the state found on opening the board.
 */
export interface AnnouncedFacts {
  /** Who holds the baton. */
  holder: { id: string; name: string } | undefined
  /** The latest call from the raised hands (see turns.ts). */
  called: { turn: number; id: string; name: string; passed: boolean } | undefined
  /** The shared timer reached zero (and has not been cleared since). */
  timeUp: boolean
  /** The timer's label or the agenda phase it times, when it has one. */
  timerLabel?: string
  /** The current silent round, and whether its notes are out. */
  round: { id: string; revealed: boolean } | undefined
  /** Every dot vote that has closed. */
  closedVotes: readonly string[]
}

/** The sentences to read out for the change from `before` to `after`, as seen by participant `meId`. */
export function announcements(before: AnnouncedFacts, after: AnnouncedFacts, meId: string): string[] {
  const said: string[] = []
  const you = (p: { id: string; name: string }) => (p.id === meId ? 'You' : p.name)
  if (before.holder?.id !== after.holder?.id) {
    const h = after.holder
    said.push(
      !h ? 'The baton is free: nobody is facilitating.' : h.id === meId ? 'You now hold the baton.' : `${h.name} now holds the baton.`,
    )
  }
  const c = after.called
  if (c && (c.turn !== before.called?.turn || (c.passed && !before.called.passed))) {
    said.push(c.passed ? `${you(c)} passed.` : c.id === meId ? 'Your turn.' : `${c.name}’s turn.`)
  }
  if (after.timeUp && !before.timeUp) said.push(after.timerLabel ? `Time’s up: ${after.timerLabel}.` : 'Time’s up.')
  if (after.round?.revealed && !(before.round?.id === after.round.id && before.round.revealed)) {
    said.push('The silent round is revealed: everyone’s notes are on the board.')
  }
  const closedBefore = new Set(before.closedVotes)
  if (after.closedVotes.some((id) => !closedBefore.has(id))) said.push('The dot vote is closed: the results are on the notes.')
  return said
}
