import { useEffect, useMemo, useReducer } from 'react'
import type * as Y from 'yjs'
import type { Editor, TLShapeId } from 'tldraw'
import {
  boardParticipants,
  commentsMap,
  outcomesMap,
  readOutcomes,
  readThreads,
  recordsArray,
  threadsMap,
  type Outcome,
  type Thread,
} from '@roundtable/shared'

export interface OutcomeDocState {
  threads: Map<string, Thread>
  outcomes: Outcome[]
  /** Names of everyone who has been on the board: who `@Name` can mention. */
  names: string[]
}

/** Comment threads, decisions and actions from the doc, re-read whenever they (or the notes they are on) change. */
export function useOutcomeDoc(doc: Y.Doc): OutcomeDocState {
  const [version, bump] = useReducer((n: number) => n + 1, 0)
  useEffect(() => {
    // Any Yjs type: only being told of a change matters here, not what the event says.
    const types: { observe(f: () => void): void; unobserve(f: () => void): void }[] = [
      commentsMap(doc),
      threadsMap(doc),
      outcomesMap(doc),
      boardParticipants(doc),
      recordsArray(doc),
    ]
    const onChange = () => bump()
    for (const t of types) t.observe(onChange)
    return () => types.forEach((t) => t.unobserve(onChange))
  }, [doc])
  return useMemo(() => {
    void version
    const names = [...boardParticipants(doc).values()].map((p) => p?.name).filter((n): n is string => typeof n === 'string')
    return { threads: readThreads(doc), outcomes: readOutcomes(doc), names }
  }, [doc, version])
}

/** Shows a shape to whoever asked: its page, selected, zoomed to. */
export function showShape(editor: Editor, id: string) {
  const shapeId = id as TLShapeId
  const page = editor.getAncestorPageId(shapeId)
  if (!page) return
  if (page !== editor.getCurrentPageId()) editor.setCurrentPage(page)
  editor.select(shapeId)
  editor.zoomToSelection({ animation: { duration: 200 } })
}

const sameDay = (a: number, b: number) => new Date(a).toDateString() === new Date(b).toDateString()

/** A moment (server time) as people read it here: the time today, else the day and time. */
export function localStamp(at: number, now: number): string {
  const time = new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  return sameDay(at, now) ? time : `${new Date(at).toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`
}
