import { useEffect, useId, useRef, useState } from 'react'
import type * as Y from 'yjs'
import type { Editor } from 'tldraw'
import {
  isFresh,
  logSummon,
  randomId,
  readReaction,
  readSummon,
  readUser,
  REACTIONS,
  SIGNAL_TTL_MS,
  type Actor,
  type ReactionSignal,
  type SummonSignal,
} from '@roundtable/shared'
import type { BoardContextValue } from '../board/BoardContext.tsx'
import { useServerClock } from '../board/serverClock.tsx'
import { announce } from '../board/liveRegion.tsx'
import { Icon } from '../icons.tsx'

type Awareness = BoardContextValue['awareness']
type States = Map<number, Record<string, unknown>>

/** "Bring everyone here" and quick reactions: both ephemeral, through awareness. */
export function SignalsBar({ doc, me, editor, awareness }: { doc: Y.Doc; me: Actor; editor: Editor; awareness: Awareness }) {
  const clock = useServerClock()
  const headingId = useId()
  const clearTimers = useRef<Record<string, ReturnType<typeof setTimeout>>>({})
  useEffect(() => () => Object.values(clearTimers.current).forEach(clearTimeout), [])

  // Each signal lives in our awareness state briefly, then is cleared so it is not replayed.
  const send = (field: 'summon' | 'reaction', value: SummonSignal | ReactionSignal) => {
    awareness.setLocalStateField(field, value)
    clearTimeout(clearTimers.current[field])
    clearTimers.current[field] = setTimeout(() => awareness.setLocalStateField(field, null), SIGNAL_TTL_MS)
  }

  const summon = () => {
    const b = editor.getViewportPageBounds()
    send('summon', { id: randomId(), at: clock.now(), pageId: editor.getCurrentPageId(), bounds: { x: b.x, y: b.y, w: b.w, h: b.h } })
    logSummon(doc, me, clock.now())
  }

  const react = (emoji: string) => {
    // Float it up where our pointer last was on the canvas, or mid-screen if it never was.
    const viewport = editor.getViewportPageBounds()
    const p = editor.inputs.getCurrentPagePoint()
    const at = viewport.containsPoint(p) ? p : viewport.center
    send('reaction', { id: randomId(), emoji, at: clock.now(), x: at.x, y: at.y, pageId: editor.getCurrentPageId() })
  }

  return (
    <section className="fac-panel fac-signals" aria-labelledby={headingId}>
      <h2 id={headingId} className="sr-only">
        Summon and reactions
      </h2>
      <button onClick={summon} title="Move everyone's view to what you see; anyone can move away">
        <Icon name="summon" /> Bring everyone here
      </button>
      <div className="fac-reactions" role="group" aria-label="React">
        {REACTIONS.map((emoji) => (
          <button key={emoji} className="fac-emoji" onClick={() => react(emoji)} aria-label={`React ${emoji}`}>
            {emoji}
          </button>
        ))}
      </div>
    </section>
  )
}

/**
 * Moves our view once to each new summon from someone else. Nothing is locked: the next pan or
 * zoom is ours. Returns the summoner's name while the notice shows.
 */
export function useSummonWatcher(states: States, editor: Editor, myClientId: number): string | undefined {
  const { now } = useServerClock()
  const handled = useRef<Set<string> | null>(null)
  const [notice, setNotice] = useState<string>()
  useEffect(() => {
    const first = handled.current === null
    handled.current ??= new Set()
    for (const [clientId, state] of states) {
      const summon = readSummon(state.summon)
      if (!summon || handled.current.has(summon.id)) continue
      handled.current.add(summon.id)
      // Someone joining just after a summon is not moved; neither is the summoner.
      if (first || clientId === myClientId || !isFresh(summon, now())) continue
      if (summon.pageId !== editor.getCurrentPageId() && editor.getPage(summon.pageId as never))
        editor.setCurrentPage(summon.pageId as never)
      editor.stopFollowingUser()
      editor.zoomToBounds(summon.bounds, { inset: 0, animation: { duration: 400 } })
      const name = readUser(state.user)?.name ?? 'Someone'
      setNotice(name)
      announce(`${name} brought everyone here.`)
    }
  }, [states, now, editor, myClientId])
  useEffect(() => {
    if (!notice) return
    const t = setTimeout(() => setNotice(undefined), 4000)
    return () => clearTimeout(t)
  }, [notice])
  return notice
}

interface Floating {
  key: string
  emoji: string
  name: string
  color: string
  left: number
  top: number
}

const FLOAT_MS = 2500

/** Reactions float up where their sender's pointer was, for everyone (the sender included). */
export function ReactionsLayer({ states, editor }: { states: States; editor: Editor }) {
  const { now } = useServerClock()
  const seen = useRef(new Set<string>())
  const [floating, setFloating] = useState<Floating[]>([])
  useEffect(() => {
    const arrived: Floating[] = []
    for (const [, state] of states) {
      const r = readReaction(state.reaction)
      if (!r || seen.current.has(r.id)) continue
      seen.current.add(r.id)
      if (!isFresh(r, now()) || r.pageId !== editor.getCurrentPageId()) continue
      const user = readUser(state.user)
      const screen = editor.getViewportScreenBounds()
      const p = editor.pageToViewport({ x: r.x, y: r.y })
      // Off-screen senders still show, at the nearest edge.
      const left = Math.min(Math.max(p.x, 24), screen.w - 24)
      const top = Math.min(Math.max(p.y, 60), screen.h - 24)
      arrived.push({ key: r.id, emoji: r.emoji, name: user?.name ?? '', color: user?.color ?? '#868e96', left, top })
    }
    if (!arrived.length) return
    announce(arrived.map((a) => `${a.name || 'Someone'} reacted ${a.emoji}`).join('. '))
    setFloating((f) => [...f, ...arrived])
    const keys = new Set(arrived.map((a) => a.key))
    setTimeout(() => setFloating((f) => f.filter((x) => !keys.has(x.key))), FLOAT_MS)
  }, [states, now, editor])
  return (
    <div className="fac-reaction-layer">
      {floating.map((f) => (
        <div key={f.key} className="fac-floating" style={{ left: f.left, top: f.top }} data-reaction={f.emoji}>
          <span className="fac-floating-emoji">{f.emoji}</span>
          <span className="fac-floating-name" style={{ background: f.color }}>
            {f.name}
          </span>
        </div>
      ))}
    </div>
  )
}
