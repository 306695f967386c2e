import { useEffect, useMemo, useState } from 'react'
import type * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'
import { DRAFTS_AWARENESS_FIELD, requestClient, type DraftCount, type RequestClient } from '@roundtable/shared'

/** A Y.Map's current contents, re-rendered on every change. */
export function useYMap<T>(map: Y.Map<unknown>): Record<string, T> {
  const [value, setValue] = useState(() => map.toJSON() as Record<string, T>)
  useEffect(() => {
    const update = () => setValue(map.toJSON() as Record<string, T>)
    update()
    map.observe(update)
    return () => map.unobserve(update)
  }, [map])
  return value
}

/** Requests over the board's sync socket. */
export function useRequests(provider: WebsocketProvider): RequestClient {
  const client = useMemo(() => requestClient(provider), [provider])
  useEffect(() => () => client.dispose(), [client])
  return client
}

/** Whether the sync socket is open right now (requests need it). */
export function useConnected(provider: WebsocketProvider): boolean {
  const [connected, setConnected] = useState(provider.wsconnected)
  useEffect(() => {
    const update = () => setConnected(provider.wsconnected)
    provider.on('status', update)
    update()
    return () => provider.off('status', update)
  }, [provider])
  return connected
}

export interface DraftCountOf {
  clientId: number
  name: string
  color: string
  count: number
}

/** How many drafts each other person holds in this round, from awareness (never what they say). */
export function useDraftCounts(awareness: WebsocketProvider['awareness'], roundId: string | undefined): DraftCountOf[] {
  const [counts, setCounts] = useState<DraftCountOf[]>([])
  useEffect(() => {
    const update = () => {
      const list: DraftCountOf[] = []
      awareness.getStates().forEach((s, clientId) => {
        const drafts = s[DRAFTS_AWARENESS_FIELD] as DraftCount | undefined
        if (clientId === awareness.clientID || !drafts || drafts.roundId !== roundId) return
        const user = s.user as { name?: string; color?: string } | undefined
        list.push({ clientId, name: user?.name ?? 'Someone', color: user?.color ?? '#868e96', count: drafts.count })
      })
      setCounts(list.sort((a, b) => a.name.localeCompare(b.name)))
    }
    update()
    awareness.on('change', update)
    return () => awareness.off('change', update)
  }, [awareness, roundId])
  return counts
}
