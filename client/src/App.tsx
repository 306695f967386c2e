import { Landing } from './Landing.tsx'
import { BoardPage } from './board/BoardPage.tsx'
import { parseRoute, usePath } from './router.ts'

/** Renders the page for the current route (see router.ts). */
export function App() {
  const route = parseRoute(usePath())
  switch (route.page) {
    case 'view':
      return <BoardPage key={route.token} boardId={route.token} viewOnly />
    case 'board':
      return <BoardPage key={route.boardId} boardId={route.boardId} />
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
