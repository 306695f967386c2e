import { useEffect, useRef, useState, type ReactNode } from 'react'
import { parseDockState, toggleDockPanel, type DockState } from '@roundtable/shared'
import { typingIn } from '../facilitation/keys.ts'

export interface DockPanel {
  id: string
  label: string
  /** A short line under the label: who leads, how many hands are up. */
  note?: string
  /** Something runs in this panel (a vote, a silent round): marked, and shown when it starts while no other panel is open. */
  live?: boolean
  /** Controls that write are disabled (a view-only visitor). */
  readOnly?: boolean
  content: ReactNode
}

const KEY = 'roundtable:dock'
/** Shows or hides the whole dock, e.g. while presenting. */
const TOGGLE_KEY = 'P'

/**
 * The canvas comes first: panels fold into a rail of labelled buttons on the left, each opening
 * its panel beside the rail, one at a time. Closed panels stay mounted (hidden), so what they
 * run — shortcuts, drafts, overlays on the canvas — keeps running. Remembered per browser.
 */
export function Dock({ panels }: { panels: DockPanel[] }) {
  const ids = panels.map((p) => p.id)
  const [state, setState] = useState<DockState>(() => parseDockState(localStorage.getItem(KEY), ids))
  useEffect(() => localStorage.setItem(KEY, JSON.stringify(state)), [state])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.shiftKey || e.ctrlKey || e.metaKey || e.altKey || e.key.toUpperCase() !== TOGGLE_KEY || typingIn(e.target)) return
      e.preventDefault()
      setState((s) => ({ ...s, hidden: !s.hidden }))
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  // A vote or a silent round that starts is shown, unless the person has another panel open.
  const liveKey = panels
    .filter((p) => p.live)
    .map((p) => p.id)
    .join(' ')
  const wasLive = useRef<string[]>([])
  useEffect(() => {
    const live = liveKey ? liveKey.split(' ') : []
    const started = live.find((id) => !wasLive.current.includes(id))
    wasLive.current = live
    if (started) setState((s) => (s.open || s.hidden ? s : { ...s, open: started }))
  }, [liveKey])

  // A panel folded in its own disclosure opens with it: one press shows its content.
  useEffect(() => {
    const details = document.querySelector(`#dock-${state.open} > fieldset > details`)
    if (details instanceof HTMLDetailsElement) details.open = true
  }, [state.open])

  // The tree keeps its shape when hidden, so that nothing in the panels is remounted.
  return (
    <div className="dock">
      {state.hidden && (
        <button
          className="dock-show"
          onClick={() => setState((s) => ({ ...s, hidden: false }))}
          title={`Show the panels (Shift+${TOGGLE_KEY})`}
        >
          Panels
        </button>
      )}
      <nav className="dock-rail" aria-label="Panels" hidden={state.hidden}>
        {panels.map((p) => (
          <button
            key={p.id}
            className="dock-button"
            data-dock={p.id}
            data-live={p.live || undefined}
            aria-expanded={state.open === p.id}
            aria-controls={`dock-${p.id}`}
            onClick={() => setState((s) => toggleDockPanel(s, p.id))}
          >
            <span className="dock-label">{p.label}</span>
            {p.note && <span className="dock-note">{p.note}</span>}
          </button>
        ))}
        <button
          className="dock-button dock-hide"
          onClick={() => setState((s) => ({ ...s, hidden: true }))}
          title={`Hide all panels, e.g. to present (Shift+${TOGGLE_KEY} brings them back)`}
        >
          Hide
        </button>
      </nav>
      {panels.map((p) => (
        // A viewer's panel has no enabled control (a disabled fieldset counts as unfocusable): the
        // panel takes focus itself, so the keyboard can scroll it.
        <div
          key={p.id}
          id={`dock-${p.id}`}
          className="dock-popover"
          hidden={state.hidden || state.open !== p.id}
          data-dock-panel={p.id}
          tabIndex={p.readOnly ? 0 : undefined}
        >
          <fieldset className="panels-fieldset" disabled={p.readOnly}>
            {p.content}
          </fieldset>
        </div>
      ))}
    </div>
  )
}
