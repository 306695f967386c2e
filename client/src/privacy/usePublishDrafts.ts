import { useEffect, useRef, useState } from 'react'
import { createShapeId, type Editor, type TLPageId, type TLShape } from 'tldraw'
import {
  brainstormMap,
  findRound,
  plainText,
  revealAnchor,
  revealSlotPosition,
  RequestError,
  type RoundState,
  type RequestClient,
} from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { DraftKeeper } from './drafts.ts'

/** Drafts that wait for their writer's choice before they are published or deleted. */
export interface DraftQuestion {
  roundId: string
  count: number
  /**
   * `late`: an anonymous round was revealed while we were away; `alone`: nobody else's notes
   * came in with ours; `unknown`: a round this board no longer knows (published with our name).
   */
  reason: 'late' | 'alone' | 'unknown'
}

export type DraftChoice = 'publish' | 'delete'

/** Where revealed notes go on the current page: below what is there, or near the top of the view. */
export function anchorOnThisPage(editor: Editor) {
  const viewport = editor.getViewportPageBounds()
  return revealAnchor(editor.getCurrentPageBounds(), { x: viewport.center.x, y: viewport.minY + 80 })
}

/**
 * The silent round's publishing, on this device: keeps drafts (in IndexedDB, see drafts.ts),
 * shows them again while their round runs, and at the reveal (or when we come back after it)
 * publishes them a round at a time: anonymously through the server, or with our name in places
 * the server hands out. Drafts that could give their writer away wait for a choice (`ask`,
 * answered with `choose`). Tells how it went through `onMessage`.
 */
export function usePublishDrafts({
  round,
  connected,
  rpc,
  onMessage,
}: {
  round: RoundState | undefined
  connected: boolean
  rpc: RequestClient
  onMessage: (text: string) => void
}): { ask: DraftQuestion | undefined; choose: (choice: DraftChoice) => void } {
  const { boardId, doc, provider, participant, editor, viewOnly } = useBoardContext()
  const [keeper, setKeeper] = useState<DraftKeeper>()
  const roundId = round?.roundId
  const active = !!round && round.revealedAt === null

  useEffect(() => {
    const k = new DraftKeeper(boardId, editor)
    let live = true
    k.whenLoaded.then(() => live && setKeeper(k))
    return () => {
      live = false
      k.dispose()
    }
  }, [boardId, editor])

  // Drafts kept from before a reload come back while the round is on.
  useEffect(() => {
    if (keeper && active && roundId) keeper.show(roundId)
  }, [keeper, active, roundId])

  // Rounds whose reveal reached us live, while synced with the server: our drafts join the
  // group's. A reveal that arrives while loading or catching up after an offline stretch means
  // we were away, and publishing now would be publishing alone.
  const witnessed = useRef(new Set<string>())
  useEffect(() => {
    const map = brainstormMap(doc)
    let last = map.get('round') as RoundState | undefined
    const onChange = () => {
      const now = map.get('round') as RoundState | undefined
      const revealedLive = now && now.revealedAt !== null && last?.roundId === now.roundId && last.revealedAt === null
      if (revealedLive && provider.synced) witnessed.current.add(now.roundId)
      last = now
    }
    map.observe(onChange)
    return () => map.unobserve(onChange)
  }, [doc, provider])

  // Drafts that cannot be published with the group (an anonymous round revealed while we were
  // away, or nobody else's notes came in) wait for their writer's choice: on their own they
  // could give the writer away.
  const [ask, setAsk] = useState<DraftQuestion>()
  const [choices, setChoices] = useState<Record<string, DraftChoice>>({})
  const publishing = useRef(false)
  // Bumped when a publish settles, so the next round (or a retry) gets its turn.
  const [settled, setSettled] = useState(0)
  const participantId = participant.id
  const revealedAt = round?.revealedAt

  useEffect(() => {
    if (!keeper || !connected || publishing.current || viewOnly) return
    for (const id of keeper.rounds()) {
      const found = findRound(doc, id)
      if (found && found.round.revealedAt === null) continue
      const drafts = keeper.list(id)
      const choice = choices[id]
      if (choice === 'delete') {
        keeper.forget(drafts.map((d) => d.id))
        setAsk(undefined)
        onMessage('Your drafts were deleted from this device.')
        continue
      }
      const needsChoice = !found ? 'unknown' : found.round.anonymous && !witnessed.current.has(id) ? 'late' : undefined
      if (needsChoice && !choice) {
        keeper.show(id)
        return setAsk({ roundId: id, count: drafts.length, reason: needsChoice })
      }
      publishing.current = true
      setAsk(undefined)
      publishDrafts({ rpc, editor, keeper, participantId }, found?.round, drafts, choice === 'publish')
        .then((n) => {
          if (n > 0) onMessage(`Published your ${n} note${n === 1 ? '' : 's'}${found?.round.anonymous ? ' anonymously' : ''}.`)
        })
        .catch((err) => {
          if (err instanceof RequestError && err.code === 'alone') {
            keeper.show(id)
            setAsk({ roundId: id, count: drafts.length, reason: 'alone' })
          } else onMessage(`Could not publish your drafts yet: ${(err as Error).message}`)
        })
        .finally(() => {
          publishing.current = false
          setSettled((n) => n + 1)
        })
      return
    }
    // roundId and revealedAt: a reveal is the moment to publish.
  }, [keeper, roundId, revealedAt, connected, choices, settled, doc, viewOnly, rpc, editor, participantId, onMessage])

  const choose = (choice: DraftChoice) => {
    if (ask) setChoices((c) => ({ ...c, [ask.roundId]: choice }))
  }
  return { ask, choose }
}

/**
 * Publishes one round's drafts and forgets them on this device; resolves with how many notes
 * had something written. `alone` is the writer's choice to publish without the group.
 */
async function publishDrafts(
  { rpc, editor, keeper, participantId }: { rpc: RequestClient; editor: Editor; keeper: DraftKeeper; participantId: string },
  r: RoundState | undefined,
  drafts: TLShape[],
  alone: boolean,
): Promise<number> {
  const text = (d: TLShape) => plainText((d.props as { richText?: unknown }).richText).trim()
  // An empty draft is a note started and abandoned: it is dropped, not published.
  const written = drafts.filter((d) => text(d))
  if (r?.anonymous) {
    // Handed in even when empty, so the server stops waiting for us.
    if (written.length || !alone)
      await rpc.request('round.publishAnonymous', { roundId: r.roundId, notes: written.map(text), ...(alone ? { alone } : {}) })
  } else if (written.length) {
    // A round this board no longer knows has no places: below everything on the page.
    const { anchor, firstSlot } = r
      ? { anchor: r.anchor, firstSlot: (await rpc.request('round.claim', { roundId: r.roundId, count: written.length })).firstSlot }
      : { anchor: anchorOnThisPage(editor), firstSlot: 0 }
    const pageId = (r && editor.getPage(r.pageId as TLPageId) ? r.pageId : editor.getCurrentPageId()) as TLPageId
    editor.run(() => {
      editor.createShapes(
        written.map((d, i) => ({
          id: createShapeId(),
          type: 'note' as const,
          parentId: pageId,
          ...revealSlotPosition(anchor, firstSlot + i),
          props: d.props,
          meta: { createdBy: participantId },
        })),
      )
    })
  }
  keeper.forget(drafts.map((d) => d.id))
  return written.length
}
