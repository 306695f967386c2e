/**
 * Wire constants shared by the server and the client. The sync socket speaks the standard
 * y-websocket protocol (y-protocols sync + awareness), so a stock WebsocketProvider works.
 */
export const MESSAGE_SYNC = 0
export const MESSAGE_AWARENESS = 1
export const MESSAGE_AUTH = 2
export const MESSAGE_QUERY_AWARENESS = 3

/** Path prefix the server upgrades to WebSocket: `/sync/<boardId>`. */
export const SYNC_PATH = '/sync'
/** View-only sync: `/sync/view/<viewToken>`; the server refuses document updates on it. */
export const VIEW_SYNC_PATH = '/sync/view'
/** Query parameter (and cookie) carrying the deployment-wide ACCESS_TOKEN, when one is set. */
export const ACCESS_TOKEN_PARAM = 'access_token'

/**
 * Close codes. y-websocket treats 4400-4499 as permanent (no reconnect); everything else
 * reconnects with backoff, which is what a client should do when the server restarts.
 */
export const CloseCode = {
  /** Standard: the server is restarting; reconnect soon. */
  restarting: 1012,
  /** Standard: the frame exceeded the size limit (ws sends this itself). */
  tooLarge: 1009,
  /** The client sent a frame we could not decode. Reconnecting would repeat it. */
  malformed: 4400,
  /** A view-only connection sent a document update. */
  viewOnly: 4403,
  /** The update writes what only the server may (vote state, the silent round); a stale or forged client. */
  serverOwned: 4409,
  /** The connection set presence for an awareness client id another live connection controls. */
  presenceNotYours: 4410,
  /** Presence for more client ids than MAX_PRESENCE_CLIENTS_PER_CONNECTION. */
  presenceTooLarge: 4431,
  /** The update would make the board larger than MAX_BOARD_BYTES. */
  boardTooLarge: 4413,
  /** The update holds one record (a shape, page, …) bigger than MAX_RECORD_BYTES. */
  recordTooLarge: 4414,
  /** The board's storage failed; the server refuses writes it could not persist. */
  storageFailed: 4500,
  /** An update wrote as a Yjs client id another open connection writes as; reconnect and resync. */
  clientIdInUse: 4519,
  /** Updates wait for changes the server does not have, past what it holds for one connection; reconnect and resync. */
  outOfSync: 4520,
  /** Too many boards are open and none is idle; try again later. */
  serverBusy: 4503,
  /** MAX_CONNECTIONS_PER_BOARD reached; try again later. */
  boardFull: 4508,
  /** MAX_CONNECTIONS_PER_IP reached; try again later. */
  tooManyFromAddress: 4509,
  /** The connection sent more messages than MAX_MESSAGES_PER_SECOND allows; reconnect after a pause. */
  rateLimited: 4529,
} as const

/** Default maximum size of one WebSocket frame, in bytes (MAX_FRAME_BYTES). */
export const DEFAULT_MAX_FRAME_BYTES = 10 * 1024 * 1024
/** Default maximum encoded size of a board, in bytes (MAX_BOARD_BYTES). */
export const DEFAULT_MAX_BOARD_BYTES = 64 * 1024 * 1024

/**
 * Default largest record (one shape, page, binding, …) as JSON, in characters (MAX_RECORD_BYTES);
 * see recordSize. A note holding a whole book stays under it.
 */
export const DEFAULT_MAX_RECORD_BYTES = 512 * 1024

/** The server's limits a client must respect (the server puts its own into the page). */
export interface SyncLimits {
  maxFrameBytes: number
  maxBoardBytes: number
  maxRecordBytes: number
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxBoardBytes: DEFAULT_MAX_BOARD_BYTES,
  maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
}

/**
 * Room for a sync message's header around the update it carries (message type, sync step and
 * the update's length, as varuints).
 */
export const SYNC_MESSAGE_OVERHEAD = 16
