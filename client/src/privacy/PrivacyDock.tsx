import { useRef } from 'react'
import { usePublishedHeight } from '../board/publishHeight.ts'
import { BrainstormPanel } from './BrainstormPanel.tsx'
import { VotePanel } from './VotePanel.tsx'
import './privacy.css'

/**
 * Safe-to-speak tools, top right under the connection badge: silent brainstorm and secret dot
 * voting. tldraw's style panel shares the corner and moves below (see styles.css).
 */
export function PrivacyDock() {
  const ref = useRef<HTMLDivElement>(null)
  usePublishedHeight(ref, '--pv-dock-height')
  return (
    <div className="pv-dock" ref={ref}>
      <BrainstormPanel />
      <VotePanel />
    </div>
  )
}
