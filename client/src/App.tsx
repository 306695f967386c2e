import { lazy, Suspense } from 'react'
import { Landing } from './Landing.tsx'
import { parseRoute, usePath } from './router.ts'

// The board (tldraw, Yjs, the panels) is its own chunk: the landing page never downloads it.
const BoardPage = lazy(() => import('./board/BoardPage.tsx').then((m) => ({ default: m.BoardPage })))

/** Renders the page for the current route (see router.ts). */
export function App() {
  const route = parseRoute(usePath())
  switch (route.page) {
    case 'view':
      return (
        <Suspense fallback={<BoardLoading />}>
          <BoardPage key={route.token} boardId={route.token} viewOnly />
        </Suspense>
      )
    case 'board':
      return (
        <Suspense fallback={<BoardLoading />}>
          <BoardPage key={route.boardId} boardId={route.boardId} />
        </Suspense>
      )
    case 'invalid-board':
      return (
        <main className="landing">
          <h1>That board link is not valid</h1>
          <p>Board links end in 16 to 64 letters, digits, “-” or “_”. Check the link you were sent.</p>
          <a href="/">Go to Roundtable</a>
        </main>
      )
    case 'landing':
      return <Landing />
  }
}

function BoardLoading() {
  return <p className="muted board-loading">Loading the board…</p>
}
