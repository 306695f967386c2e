import { useEffect, useState } from 'react'
import type { WebsocketProvider } from 'y-websocket'
import { boardParticipants, colorsTaken, type ColorHolder } from '@roundtable/shared'

/**
 * Which colours others hold on this board (everyone who has taken part, and everyone here now),
 * and whether the board has synced with the server, so that a default picked from it is informed.
 */
export function useColorsTaken(provider: WebsocketProvider | undefined, selfId: string): { taken: Map<string, string[]>; synced: boolean } {
  const [state, setState] = useState({ taken: new Map<string, string[]>(), synced: false })
  useEffect(() => {
    if (!provider) return
    const participants = boardParticipants(provider.doc)
    let lastKey = ''
    const update = () => {
      const people: ColorHolder[] = [...participants.entries()].map(([id, p]) => ({ id, name: p.name, color: p.color }))
      for (const s of provider.awareness.getStates().values()) {
        const user = s.user as ColorHolder | undefined
        if (user?.id) people.push(user)
      }
      const next = { taken: colorsTaken(people, selfId), synced: provider.synced }
      // Awareness changes with every cursor move: re-render the page only when this changed.
      const key = JSON.stringify([...next.taken, next.synced])
      if (key === lastKey) return
      lastKey = key
      setState(next)
    }
    update()
    participants.observe(update)
    provider.awareness.on('change', update)
    provider.on('sync', update)
    return () => {
      participants.unobserve(update)
      provider.awareness.off('change', update)
      provider.off('sync', update)
    }
  }, [provider, selfId])
  return state
}
