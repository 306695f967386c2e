import { useEffect, useRef, useState } from 'react'
import {
  boardParticipants,
  endRound,
  formatRemaining,
  formatSpoken,
  joinRound,
  nextTurn,
  roundOrder,
  roundsState,
  roundSummary,
  startRound,
  turnRemainingMs,
  type Actor,
  type LogEntry,
  type PresentParticipant,
  type Round,
  type RoundOrder,
  type SpokenTurn,
} from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useNow, useServerClock } from '../board/serverClock.tsx'
import { timeboxMinutes } from '../board/panelParts.tsx'
import { actingDelay } from './actingOrder.ts'

/** How long a speaker must be gone before their turn is skipped: a reload or a short drop is not leaving. */
const AWAY_GRACE_MS = 4000

const OUTCOME: Record<SpokenTurn['outcome'], string> = {
  done: '',
  timeout: ' (time ran out)',
  ended: ' (round ended)',
  skip: 'skipped',
  away: 'away',
  'not reached': 'not reached',
}

/** Go-around: everyone here speaks once, in turn, each with an optional timebox on the server clock. */
export function RoundPanel({ me, log, people }: { me: Actor; log: LogEntry[]; people: PresentParticipant[] }) {
  const { doc } = useBoardContext()
  const clock = useServerClock()
  const { rounds, active } = roundsState(log)
  // A round starting opens the panel for everyone; it stays open after, to show who spoke.
  const details = useRef<HTMLDetailsElement>(null)
  useEffect(() => {
    if (active?.id && details.current) details.current.open = true
  }, [active?.id])
  const last = rounds.at(-1)
  useRoundKeeper(me, active, people)
  const now = useNow(500, !!active?.perTurnMs)
  const turn = active?.turns[active.current]
  const left = active && turnRemainingMs(active, now)
  const upNext = active ? active.turns.slice(active.current + 1) : []
  const end = (reason: 'done' | 'skip') => active && nextTurn(doc, me, reason, clock.now(), { roundId: active.id, turn: active.current })

  return (
    <details className="fac-panel fac-round" ref={details}>
      <summary>
        <h2>Go-around</h2>
        {turn && <span className="fac-muted"> · {turn.id === me.id ? 'your turn' : `${turn.name}’s turn`}</span>}
      </summary>
      {active && turn ? (
        <div className="fac-round-live" data-round-turn={turn.name}>
          {active.prompt && <p className="fac-round-prompt">{active.prompt}</p>}
          <div className="fac-called">
            <span className="fac-called-text">{turn.id === me.id ? 'Your turn' : `${turn.name}’s turn`}</span>
            {left !== undefined && (
              <span className="fac-round-left" role="timer" data-turn-remaining-ms={left}>
                {formatRemaining(left)}
              </span>
            )}
          </div>
          <div className="fac-round-actions">
            {turn.id === me.id ? (
              <button className="fac-primary" onClick={() => end('done')}>
                Done
              </button>
            ) : (
              <button onClick={() => end('skip')} aria-label={`Skip ${turn.name}`}>
                Skip
              </button>
            )}
            <button onClick={() => endRound(doc, me, clock.now())}>End round</button>
          </div>
          {upNext.length > 0 && <p className="fac-sub">Up next: {upNext.map((t) => t.name).join(', ')}</p>}
        </div>
      ) : (
        <>
          {last && <RoundSummary round={last} />}
          <StartForm me={me} people={people} />
        </>
      )}
    </details>
  )
}

function RoundSummary({ round }: { round: Round }) {
  return (
    <div className="fac-round-summary">
      <p className="fac-sub">Last round{round.prompt ? `: ${round.prompt}` : ''}</p>
      <ol aria-label="Who spoke">
        {roundSummary(round).map((t) => (
          <li key={t.id} data-spoke={t.name}>
            {t.name}{' '}
            <span className="fac-muted">{t.spokeMs !== undefined ? formatSpoken(t.spokeMs) + OUTCOME[t.outcome] : OUTCOME[t.outcome]}</span>
          </li>
        ))}
      </ol>
    </div>
  )
}

function StartForm({ me, people }: { me: Actor; people: PresentParticipant[] }) {
  const { doc } = useBoardContext()
  const clock = useServerClock()
  const [prompt, setPrompt] = useState('')
  const [minutes, setMinutes] = useState('')
  const [mode, setMode] = useState<RoundOrder>('shuffled')
  const start = () => {
    const known = boardParticipants(doc).toJSON() as Record<string, { firstSeen?: number }>
    const here = people.map((p) => ({ id: p.user.id, name: p.user.name, firstSeen: known[p.user.id]?.firstSeen }))
    startRound(doc, me, { prompt, minutesEach: timeboxMinutes(minutes), order: roundOrder(here, mode) }, clock.now())
    setPrompt('')
  }
  return (
    <form
      className="fac-round-form"
      onSubmit={(e) => {
        e.preventDefault()
        start()
      }}
    >
      <input
        aria-label="Go-around prompt"
        placeholder="Check-in: one word for how you arrive"
        value={prompt}
        onChange={(e) => setPrompt(e.target.value)}
      />
      <div className="fac-round-options">
        <input
          aria-label="Minutes each"
          placeholder="min each"
          type="number"
          min="0"
          step="any"
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
        />
        <select aria-label="Order" value={mode} onChange={(e) => setMode(e.target.value as RoundOrder)}>
          <option value="shuffled">Shuffled</option>
          <option value="joined">Order joined</option>
        </select>
        <button type="submit" className="fac-primary">
          Start
        </button>
      </div>
    </form>
  )
}

/**
 * What nobody has to press: a latecomer joins the end of the round, the timer passes the turn on,
 * and the turn of someone who left is skipped. The speaker's device acts first (see actingDelay);
 * if two do, the log keeps one (see rounds.ts).
 */
function useRoundKeeper(me: Actor, active: Round | undefined, people: PresentParticipant[]) {
  const { doc, viewOnly, participant } = useBoardContext()
  const clock = useServerClock()
  const turn = active?.turns[active.current]
  // Someone still choosing their name joins once they have one, so the round shows it.
  const canJoin = !viewOnly && participant.named
  const here = people.some((p) => p.user.id === turn?.id)
  const delay = actingDelay(me.id, people, turn?.id)
  const inRound = !!active?.turns.some((t) => t.id === me.id)
  const roundId = active?.id
  const index = active?.current ?? 0
  const endsAt = active?.perTurnMs && turn?.start !== undefined ? turn.start + active.perTurnMs : undefined

  useEffect(() => {
    if (roundId && !inRound && canJoin) joinRound(doc, me, clock.now())
  }, [roundId, inRound, canJoin, doc, me, clock])

  useEffect(() => {
    if (!roundId || viewOnly) return
    const seen = { roundId, turn: index }
    const timer = !here
      ? setTimeout(() => nextTurn(doc, me, 'away', clock.now(), seen), AWAY_GRACE_MS + delay)
      : endsAt !== undefined
        ? setTimeout(() => nextTurn(doc, me, 'timeout', clock.now(), seen), Math.max(0, endsAt - clock.now()) + delay)
        : undefined
    return () => clearTimeout(timer)
  }, [roundId, index, viewOnly, here, endsAt, delay, doc, me, clock])
}
