import { createContext, useContext } from 'react'
import type * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'
import type { Editor } from 'tldraw'
import type { Participant } from '../identity.ts'

/** What the panels around the canvas need: the board's doc, presence, who we are, the editor. */
export interface BoardContextValue {
  boardId: string
  doc: Y.Doc
  awareness: WebsocketProvider['awareness']
  provider: WebsocketProvider
  participant: Participant
  editor: Editor
  /** Opened with a view-only link: the server refuses every change, so panels must not write. */
  viewOnly: boolean
}

export const BoardContext = createContext<BoardContextValue | null>(null)

export function useBoardContext(): BoardContextValue {
  const value = useContext(BoardContext)
  if (!value) throw new Error('useBoardContext must be used inside a board page')
  return value
}
