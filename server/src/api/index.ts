import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ServerConfig } from '../config.ts'
import type { Logger } from '../logger.ts'
import type { Rooms } from '../sync/rooms.ts'
import type { BoardStorage } from '../storage/storage.ts'
import type { SnapshotStorage } from '../storage/snapshots.ts'
import { BoardSnapshots } from './boardSnapshots.ts'
import { createBoardsApi } from './boardsApi.ts'

/** Serves an /api/* request and returns true, or returns false when no route matches. */
export type ApiHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean

export function createApi(
  config: ServerConfig,
  deps: { storage: BoardStorage; snapshots: SnapshotStorage; rooms: Rooms; log: Logger },
): ApiHandler {
  const boardSnapshots = new BoardSnapshots(deps.storage, deps.snapshots, deps.rooms, deps.log, {
    maxNamedSnapshots: config.maxNamedSnapshots,
  })
  return createBoardsApi(boardSnapshots, deps.log)
}
