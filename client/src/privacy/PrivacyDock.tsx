import { brainstormMap, votesMap, type RoundState, type VoteState } from '@roundtable/shared'
import type { DockPanel } from '../board/Dock.tsx'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useYMap } from './hooks.ts'
import { BrainstormPanel } from './BrainstormPanel.tsx'
import { VotePanel } from './VotePanel.tsx'
import './privacy.css'

/**
 * Safe-to-speak tools as dock panels: silent brainstorm and secret dot voting. Each is marked
 * live while it runs, so that the dock shows it to everyone when it starts.
 */
export function usePrivacyPanels(): DockPanel[] {
  const { doc } = useBoardContext()
  const round = useYMap<unknown>(brainstormMap(doc)).round as RoundState | undefined
  const votes = useYMap<VoteState>(votesMap(doc))
  return [
    { id: 'brainstorm', label: 'Brainstorm', live: !!round && round.revealedAt === null, content: <BrainstormPanel /> },
    { id: 'vote', label: 'Vote', live: Object.values(votes).some((v) => v.status === 'open'), content: <VotePanel /> },
  ]
}
