import { useEffect, useState } from 'react'
import { isValidBoardId } from '@roundtable/shared'

/**
 * Client-side routes. Imported by the pages that navigate and by App, which only renders; it
 * imports no page, so no page ever imports App back.
 */
export type Route =
  | { page: 'landing' }
  | { page: 'board'; boardId: string }
  /** A view-only link: `token` stands in for the board id, which the viewer never learns. */
  | { page: 'view'; token: string }
  /** `/b/<something>` that cannot be a board id. */
  | { page: 'invalid-board' }

export function parseRoute(path: string): Route {
  const view = /^\/v\/([A-Za-z0-9_-]{24})$/.exec(path)
  if (view) return { page: 'view', token: view[1] }
  const board = /^\/b\/([^/]*)$/.exec(path)
  if (!board) return { page: 'landing' }
  let boardId: string
  try {
    boardId = decodeURIComponent(board[1])
  } catch {
    // A stray "%" in a pasted link: say the link is not valid rather than show a blank page.
    return { page: 'invalid-board' }
  }
  return isValidBoardId(boardId) ? { page: 'board', boardId } : { page: 'invalid-board' }
}

/** Where a board lives. */
export const boardPath = (boardId: string) => `/b/${boardId}`

/** Goes to `path` without reloading the page (module state such as pending imports survives). */
export function navigate(path: string) {
  history.pushState(null, '', path)
  window.dispatchEvent(new PopStateEvent('popstate'))
}

/** The current path, re-rendered on back, forward and navigate(). */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const onPop = () => setPath(location.pathname)
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }, [])
  return path
}
