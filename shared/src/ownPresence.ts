/**
 * y-websocket's provider sends the server every presence change it hears of, other people's
 * included: with 50 people moving cursors, each move comes back to the server from 49 browsers.
 * The server relays presence itself, so a client only needs to send its own. Returns a function
 * that restores the provider's own behaviour.
 */
interface Changes {
  added: number[]
  updated: number[]
  removed: number[]
}
interface AwarenessLike {
  clientID: number
  on(event: 'update', handler: (changes: Changes, origin: unknown) => void): void
  off(event: 'update', handler: (changes: Changes, origin: unknown) => void): void
}

export function sendOnlyOwnPresence(provider: {
  awareness: AwarenessLike
  _awarenessUpdateHandler: (changes: Changes, origin: unknown) => void
}): () => void {
  const { awareness } = provider
  const send = provider._awarenessUpdateHandler
  const own = (changes: Changes, origin: unknown) => {
    const mine = (ids: number[]) => ids.filter((id) => id === awareness.clientID)
    const ours = { added: mine(changes.added), updated: mine(changes.updated), removed: mine(changes.removed) }
    if (ours.added.length + ours.updated.length + ours.removed.length > 0) send(ours, origin)
  }
  awareness.off('update', send)
  awareness.on('update', own)
  return () => {
    awareness.off('update', own)
    awareness.on('update', send)
  }
}
