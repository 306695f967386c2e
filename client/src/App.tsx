import { useEffect, useState } from 'react'
import { isValidBoardId } from '@roundtable/shared'
import { Landing } from './Landing.tsx'
import { BoardPage } from './board/BoardPage.tsx'

/** Client-side routes: `/` (landing) and `/b/<boardId>` (a board). */
export function navigate(path: string) {
  history.pushState(null, '', path)
  window.dispatchEvent(new PopStateEvent('popstate'))
}

export function App() {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const onPop = () => setPath(location.pathname)
    window.addEventListener('popstate', onPop)
    return () => window.removeEventListener('popstate', onPop)
  }, [])

  const view = /^\/v\/([A-Za-z0-9_-]{24})$/.exec(path)
  if (view) return <BoardPage key={view[1]} boardId={view[1]} viewOnly />
  const match = /^\/b\/([^/]*)$/.exec(path)
  if (!match) return <Landing />
  const boardId = decodeURIComponent(match[1])
  if (!isValidBoardId(boardId)) {
    return (
      <main className="landing">
        <h1>That board link is not valid</h1>
        <p>Board links end in 16 to 64 letters, digits, “-” or “_”. Check the link you were sent.</p>
        <a href="/">Go to Roundtable</a>
      </main>
    )
  }
  return <BoardPage key={boardId} boardId={boardId} />
}
