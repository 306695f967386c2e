import { useEffect, useRef, useState } from 'react'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import {
  atom,
  createPresenceStateDerivation,
  createTLStore,
  createUserId,
  defaultBindingUtils,
  defaultShapeUtils,
  InstancePresenceRecordType,
  react,
  UserRecordType,
  type TLInstancePresence,
  type TLRecord,
  type TLStoreWithStatus,
} from 'tldraw'
import {
  boardRecords,
  INSTANCE_PRESENCE_FIELD,
  localTimeFrom,
  serverNowFrom,
  sendOnlyOwnPresence,
  SYNC_PATH,
  VIEW_SYNC_PATH,
  brainstormMap,
  presenceWithheld,
  readRound,
  votesMap,
} from '@roundtable/shared'
import { bindStoreToDoc } from './binding.ts'
import { takePendingImport } from '../export/pendingImport.ts'
import { loadIntoEmptyBoard } from '../export/importBoard.ts'
import type { Participant } from '../identity.ts'
import { pageClock } from '../board/serverClock.tsx'

export type ConnectionState = 'connecting' | 'connected' | 'offline'

export interface BoardConnection {
  storeWithStatus: TLStoreWithStatus
  connection: ConnectionState
  /** Set when this client is older than the board: it shows the board read-only. */
  newerDocReason: string | undefined
  provider: WebsocketProvider | undefined
}

/** How long a board with nothing on this device waits for the server before opening empty. */
const FIRST_SYNC_WAIT_MS = 3000

function syncUrl(viewOnly: boolean): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}${viewOnly ? VIEW_SYNC_PATH : SYNC_PATH}`
}

/**
 * The one place tldraw meets Yjs: a Y.Doc per board, kept on this device by y-indexeddb and
 * synced by y-websocket; the tldraw store bound to the doc; presence through awareness.
 */
export function useBoard(boardId: string, participant: Participant, viewOnly = false): BoardConnection {
  const [storeWithStatus, setStoreWithStatus] = useState<TLStoreWithStatus>({ status: 'loading' })
  const [connection, setConnection] = useState<ConnectionState>('connecting')
  const [newerDocReason, setNewerDocReason] = useState<string>()
  const [provider, setProvider] = useState<WebsocketProvider>()
  const { id: participantId, name, color } = participant
  const [user$] = useState(() => atom('roundtable user', toTLUser(participant)))
  // Who we are when the connection opens; later changes reach the store here and awareness below.
  const me = useRef({ id: participantId, name, color })

  useEffect(() => {
    me.current = { id: participantId, name, color }
    user$.set(toTLUser(me.current))
  }, [user$, participantId, name, color])

  useEffect(() => {
    let disposed = false
    const cleanups: (() => void)[] = []
    const doc = new Y.Doc()
    // For a view-only link `boardId` is the view token; the edit id is never known here.
    const local = new IndexeddbPersistence(viewOnly ? `roundtable:view:${boardId}` : `roundtable:${boardId}`, doc)
    const ws = new WebsocketProvider(syncUrl(viewOnly), boardId, doc, { connect: true })
    setProvider(ws)
    cleanups.push(sendOnlyOwnPresence(ws))
    const { awareness } = ws
    awareness.setLocalStateField('user', { ...me.current })

    const updateConnection = () => {
      if (!navigator.onLine) setConnection('offline')
      else setConnection(ws.wsconnected ? 'connected' : 'connecting')
    }
    ws.on('status', updateConnection)
    window.addEventListener('online', updateConnection)
    window.addEventListener('offline', updateConnection)
    cleanups.push(() => {
      window.removeEventListener('online', updateConnection)
      window.removeEventListener('offline', updateConnection)
    })

    const store = createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })

    const start = () => {
      if (disposed) return
      // A file opened "into a new board" is written to the doc before the canvas reads it.
      const imported = takePendingImport(boardId)
      if (imported && !viewOnly) loadIntoEmptyBoard(doc, store.schema, imported.parsed, imported.records, pageClock.now())
      const binding = bindStoreToDoc(store, doc, { onNewerDoc: setNewerDocReason, readOnly: viewOnly, now: pageClock.now })
      cleanups.push(() => binding.dispose())
      cleanups.push(bindInstancePresence(store, awareness, doc, user$))
      setStoreWithStatus({ status: 'synced-remote', connectionStatus: 'online', store })
    }

    // Open as soon as this device has the board; a board new to this device waits briefly for
    // the server so that it does not start from an empty page that then has to be merged.
    // The page clock is asked first, so a new board's `createdAt` is server time.
    pageClock.start()
    Promise.all([local.whenSynced, pageClock.settled]).then(() => {
      if (disposed) return
      if (boardRecords(doc).map.size > 0 || ws.synced) return start()
      const timer = setTimeout(start, FIRST_SYNC_WAIT_MS)
      ws.once('sync', () => {
        clearTimeout(timer)
        start()
      })
    })

    return () => {
      disposed = true
      for (const cleanup of cleanups.reverse()) cleanup()
      ws.destroy()
      local.destroy()
      doc.destroy()
    }
  }, [boardId, viewOnly, user$])

  useEffect(() => {
    provider?.awareness.setLocalStateField('user', { id: participantId, name, color })
  }, [provider, participantId, name, color])

  return { storeWithStatus, connection, newerDocReason, provider }
}

function toTLUser(p: Pick<Participant, 'id' | 'name' | 'color'>) {
  return UserRecordType.create({ id: createUserId(p.id), name: p.name, color: p.color })
}

type Awareness = WebsocketProvider['awareness']

/**
 * Publishes our cursor/selection/viewport to awareness and shows everyone else's in tldraw.
 * While a dot vote is open or a silent round runs it is not published at all (see
 * presenceWithheld): hiding it on screen would still send it to everyone. It comes back after.
 */
function bindInstancePresence(
  store: ReturnType<typeof createTLStore>,
  awareness: Awareness,
  doc: Y.Doc,
  user$: ReturnType<typeof atom<ReturnType<typeof toTLUser>>>,
): () => void {
  const clientId = doc.clientID
  const instanceId = InstancePresenceRecordType.createId(String(clientId))
  const instancePresence$ = createPresenceStateDerivation(user$, { instanceId })(store)
  const votes = votesMap(doc)
  const brainstorm = brainstormMap(doc)
  const withheld = () => presenceWithheld(votes.values(), readRound(doc))
  const withheld$ = atom('presence withheld', withheld())
  const onPrivacy = () => withheld$.set(withheld())
  votes.observe(onPrivacy)
  brainstorm.observe(onPrivacy)

  // 0 or null: no activity yet (tldraw's own convention), left as it is.
  const toServer = (t: number | null) => (t ? serverNowFrom(t, pageClock.estimate) : t)
  const toLocal = (t: number | null) => (t ? localTimeFrom(t, pageClock.estimate) : t)
  let frame = 0
  const stopReacting = react('publish presence', () => {
    const own = withheld$.get() ? null : instancePresence$.get()
    // tldraw stamps activity with this device's clock and hides collaborators whose stamp looks a
    // minute old on the receiver's clock: the wire carries server time, each side converts.
    const instancePresence = own && { ...own, lastActivityTimestamp: toServer(own.lastActivityTimestamp) }
    // Coalesce bursts (a drag) into one awareness update per animation frame.
    cancelAnimationFrame(frame)
    frame = requestAnimationFrame(() => awareness.setLocalStateField(INSTANCE_PRESENCE_FIELD, instancePresence ?? null))
  })

  const onAwarenessChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    const states = awareness.getStates()
    const toPut: TLInstancePresence[] = []
    const toRemove: TLRecord['id'][] = []
    for (const id of [...added, ...updated]) {
      if (id === clientId) continue
      const instancePresence = states.get(id)?.[INSTANCE_PRESENCE_FIELD] as TLInstancePresence | null | undefined
      if (instancePresence && instancePresence.id === InstancePresenceRecordType.createId(String(id)))
        toPut.push({ ...instancePresence, lastActivityTimestamp: toLocal(instancePresence.lastActivityTimestamp) })
      else toRemove.push(InstancePresenceRecordType.createId(String(id)))
    }
    for (const id of removed) toRemove.push(InstancePresenceRecordType.createId(String(id)))
    try {
      store.mergeRemoteChanges(() => {
        const present = toRemove.filter((id) => store.has(id))
        if (present.length) store.remove(present)
        if (toPut.length) store.put(toPut)
      })
    } catch {
      // A peer sent an instance presence our schema rejects; ignore it rather than break our own board.
    }
  }
  awareness.on('change', onAwarenessChange)

  return () => {
    stopReacting()
    votes.unobserve(onPrivacy)
    brainstorm.unobserve(onPrivacy)
    cancelAnimationFrame(frame)
    awareness.off('change', onAwarenessChange)
    const others = store.query
      .records('instance_presence')
      .get()
      .map((r) => r.id)
    store.mergeRemoteChanges(() => store.remove(others))
  }
}
