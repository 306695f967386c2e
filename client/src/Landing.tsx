import { useState } from 'react'
import { newBoardId } from '@roundtable/shared'
import { forgetBoard, loadRecentBoards } from './recentBoards.ts'
import { navigate } from './App.tsx'

export function Landing() {
  const [recent, setRecent] = useState(loadRecentBoards)
  return (
    <main className="landing">
      <header>
        <h1>Roundtable</h1>
        <p className="tagline">
          A shared whiteboard for workshops where anyone can lead. Map ideas together, live — no accounts, no owner.
        </p>
      </header>
      <button className="primary" onClick={() => navigate(`/b/${newBoardId()}`)}>
        New board
      </button>
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recently opened in this browser</h2>
        {recent.length === 0 ? (
          <p className="muted">Boards you open will appear here. Anyone with a board’s link can join it.</p>
        ) : (
          <ul className="recent">
            {recent.map((board) => (
              <li key={board.id}>
                <a href={`/b/${board.id}`} onClick={(e) => (e.preventDefault(), navigate(`/b/${board.id}`))}>
                  {board.title}
                </a>
                <span className="muted"> · opened {new Date(board.openedAt).toLocaleString()}</span>
                <button
                  className="link"
                  aria-label={`Remove ${board.title} from this list`}
                  onClick={() => {
                    forgetBoard(board.id)
                    setRecent(loadRecentBoards())
                  }}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  )
}
