import { useState } from 'react'
import { newBoardId } from '@roundtable/shared'
import { forgetBoard, loadRecentBoards } from './recentBoards.ts'
import { boardPath, navigate } from './router.ts'

export function Landing() {
  const [recent, setRecent] = useState(loadRecentBoards)
  const [openError, setOpenError] = useState('')
  const openFile = async (file: File | undefined) => {
    if (!file) return
    setOpenError('')
    try {
      // Reading a board file needs tldraw's schema: loaded only when someone opens one.
      const { openInNewBoard, readImportFile } = await import('./export/pendingImport.ts')
      openInNewBoard(await readImportFile(file))
    } catch (err) {
      setOpenError((err as Error).message)
    }
  }
  return (
    <main className="landing">
      <header>
        <h1>Roundtable</h1>
        <p className="tagline">
          A shared whiteboard for workshops where anyone can lead. Map ideas together, live — no accounts, no owner.
        </p>
      </header>
      <div className="landing-actions">
        <button className="primary" onClick={() => navigate(boardPath(newBoardId()))}>
          New board
        </button>
        <label className="open-file">
          Open a file…
          <input
            type="file"
            accept=".tldr,.json,application/json"
            onChange={(e) => {
              openFile(e.target.files?.[0])
              e.target.value = ''
            }}
          />
        </label>
      </div>
      {openError && (
        <p className="open-error" role="alert">
          {openError}
        </p>
      )}
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recently opened in this browser</h2>
        {recent.length === 0 ? (
          <p className="muted">Boards you open will appear here. Anyone with a board’s link can join it.</p>
        ) : (
          <ul className="recent">
            {recent.map((board) => (
              <li key={board.id}>
                <a
                  href={boardPath(board.id)}
                  onClick={(e) => {
                    e.preventDefault()
                    navigate(boardPath(board.id))
                  }}
                >
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
