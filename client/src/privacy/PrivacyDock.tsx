import { BrainstormPanel } from './BrainstormPanel.tsx'
import { VotePanel } from './VotePanel.tsx'
import './privacy.css'

/** Safe-to-speak tools: silent brainstorm and secret dot voting, stacked at the right. */
export function PrivacyDock() {
  return (
    <div className="pv-dock">
      <BrainstormPanel />
      <VotePanel />
    </div>
  )
}
