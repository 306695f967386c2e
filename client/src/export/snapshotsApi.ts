import type { TLStoreSnapshot } from 'tldraw'

/** A saved moment of a board, as the server lists it. */
export interface SnapshotInfo {
  id: string
  name: string
  kind: 'named' | 'auto' | 'before-restore'
  createdBy?: string
  createdAt: number
}

export interface SnapshotPage {
  snapshots: SnapshotInfo[]
  /** Cursor for the next, older page; absent on the last. */
  next?: string
}

async function apiCall<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: init?.body ? { 'content-type': 'application/json' } : undefined })
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(body.error ?? `The server answered ${res.status}`)
  return body as T
}

const post = <T>(path: string, body: unknown) => apiCall<T>(path, { method: 'POST', body: JSON.stringify(body) })

/**
 * The snapshot endpoints of one board. With a view-only link, `boardId` is the view token: the
 * server lets it list and read snapshots, not take, restore or fork them.
 */
export function snapshotsApi(boardId: string) {
  const base = `/api/boards/${encodeURIComponent(boardId)}`
  return {
    list: (before?: string) =>
      apiCall<SnapshotPage>(before === undefined ? `${base}/snapshots` : `${base}/snapshots?before=${encodeURIComponent(before)}`),
    take: (name: string, by: string) => post<unknown>(`${base}/snapshots`, { name, by }),
    /** Resolves with the snapshot of what was there before, or null when nothing changed. */
    restore: (id: string, by: string) => post<{ before: SnapshotInfo | null }>(`${base}/snapshots/${id}/restore`, { by }),
    /** Starts a new board from a snapshot; resolves with its id. */
    fork: (snapshotId: string) => post<{ id: string }>(`${base}/fork`, { snapshotId }),
    /** A snapshot's content, ready for TldrawImage. */
    async read(id: string): Promise<TLStoreSnapshot> {
      const file = await apiCall<{ meta: { schema: TLStoreSnapshot['schema'] }; records: { id: string }[] }>(
        `${base}/snapshots/${id}?format=json`,
      )
      return { schema: file.meta.schema, store: Object.fromEntries(file.records.map((r) => [r.id, r])) } as TLStoreSnapshot
    },
  }
}
