import { useEffect, useRef } from 'react'
import { BrainstormPanel } from './BrainstormPanel.tsx'
import { VotePanel } from './VotePanel.tsx'
import './privacy.css'

/**
 * Safe-to-speak tools, top right under the connection badge: silent brainstorm and secret dot
 * voting. tldraw's style panel lives in the same corner, so the dock publishes its height
 * (`--pv-dock-height` on the board) and the style panel moves down below it.
 */
export function PrivacyDock() {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const dock = ref.current
    const board = dock?.closest<HTMLElement>('.board')
    if (!dock || !board) return
    const observer = new ResizeObserver(() => board.style.setProperty('--pv-dock-height', `${dock.offsetHeight}px`))
    observer.observe(dock)
    return () => {
      observer.disconnect()
      board.style.removeProperty('--pv-dock-height')
    }
  }, [])
  return (
    <div className="pv-dock" ref={ref}>
      <BrainstormPanel />
      <VotePanel />
    </div>
  )
}
