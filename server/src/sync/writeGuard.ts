import type * as Y from 'yjs'
import { CloseCode } from '@roundtable/shared'
import type { Connection } from './connection.ts'
import { RefusedError } from './errors.ts'
import { inspectUpdate, updateChangesDoc } from './updateInspection.ts'
import type { RoomExtension } from './extension.ts'
import type { Room } from './room.ts'

export type WriteVerdict = { gap: true } | { gap: false; writesAs: ReadonlySet<number> }

/**
 * What an editor's update may write:
 * - as which Yjs client ids: only a client's author may extend its clock while connected, or a
 *   forged struct at another client's next clock would make its real edit look known and be
 *   dropped. The author is the connection holding (or announcing) that client id's presence
 *   (y-websocket uses the doc's client id for presence too), else the last connection that wrote as it. So a
 *   connection relaying someone else's edits (a tab carrying another tab's offline edits) never
 *   locks their author out once the author is back;
 * - into which top-level types: those a feature owns are checked by that feature;
 * - how much: no record beyond MAX_RECORD_BYTES, and the board stays within MAX_BOARD_BYTES.
 * An update that depends on changes the server lacks is not refused: the caller holds it.
 */
export class WriteGuard {
  /** The connection that last wrote as each Yjs client id. */
  private writers = new Map<number, Connection>()
  /** Each server-owned top-level type's feature. */
  private owners = new Map<string, RoomExtension>()
  private ownedRoots: ReadonlySet<string>

  constructor(
    private deps: {
      /** The features that own top-level types of the doc; each judges writes into its own. */
      extensions: readonly RoomExtension[]
      room: Room
      /** The connection that holds or announced the presence of this client id. */
      presenceAuthor: (clientId: number) => Connection | undefined
      isConnected: (conn: Connection) => boolean
      fits: (bytes: number) => boolean
      maxBoardBytes: number
      maxRecordBytes: number
    },
  ) {
    for (const ext of deps.extensions) for (const root of ext.serverOwnedRoots ?? []) this.owners.set(root, ext)
    this.ownedRoots = new Set(this.owners.keys())
  }

  /** Throws RefusedError when `conn` may not apply `update` to `doc`. Throws on bytes that are not an update. */
  check(doc: Y.Doc, conn: Connection, update: Uint8Array): WriteVerdict {
    const inspected = inspectUpdate(doc, update, this.ownedRoots)
    if (inspected.gap) return { gap: true }
    for (const client of inspected.extends) {
      const author = this.authorOf(client)
      if (author && author !== conn)
        throw new RefusedError(CloseCode.clientIdInUse, 'client_id', 'update writes as another connected client')
    }
    if (inspected.largestRecord > this.deps.maxRecordBytes) {
      throw new RefusedError(
        CloseCode.recordTooLarge,
        'record_bytes',
        `a record is too big (${inspected.largestRecord} characters; the limit is ${this.deps.maxRecordBytes})`,
      )
    }
    for (const write of inspected.writes) {
      const refusal = this.owners.get(write.root)?.checkUpdate?.(this.deps.room, [write])
      if (refusal) throw new RefusedError(CloseCode.serverOwned, 'server_owned', refusal)
    }
    if (!this.deps.fits(update.length) && updateChangesDoc(doc, update)) {
      throw new RefusedError(CloseCode.boardTooLarge, 'board_bytes', `board is full (limit ${this.deps.maxBoardBytes} bytes)`)
    }
    return { gap: false, writesAs: inspected.extends }
  }

  private authorOf(client: number): Connection | undefined {
    const author = this.deps.presenceAuthor(client)
    if (author) return author
    const writer = this.writers.get(client)
    return writer && this.deps.isConnected(writer) ? writer : undefined
  }

  /** Notes that `conn` wrote as these client ids. */
  wrote(conn: Connection, clients: ReadonlySet<number>) {
    for (const client of clients) this.writers.set(client, conn)
  }

  leave(conn: Connection) {
    for (const [client, writer] of this.writers) if (writer === conn) this.writers.delete(client)
  }
}
