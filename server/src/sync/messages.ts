import type * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import { MESSAGE_AWARENESS, MESSAGE_SYNC } from '@roundtable/shared'

/* The y-websocket messages a room sends, each encoded once and the same bytes sent to all. */

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/**
 * A sync message carrying one byte array, copied once: a whole board can be megabytes, which
 * an encoder would copy into growing chunks and then again into one array.
 */
function syncMessageWith(syncType: number, payload: Uint8Array): Uint8Array {
  const head = encoding.createEncoder()
  encoding.writeVarUint(head, MESSAGE_SYNC)
  encoding.writeVarUint(head, syncType)
  encoding.writeVarUint(head, payload.length)
  const message = new Uint8Array(encoding.length(head) + payload.length)
  message.set(encoding.toUint8Array(head))
  message.set(payload, message.length - payload.length)
  return message
}

export const syncStep1Message = (stateVector: Uint8Array) => syncMessageWith(syncProtocol.messageYjsSyncStep1, stateVector)

/** Sync step 2 carrying `update` as it is (the whole board, as stored). */
export const syncStep2Message = (update: Uint8Array) => syncMessageWith(syncProtocol.messageYjsSyncStep2, update)

/** Sync step 2: what a client whose state vector is `stateVector` lacks of `doc`. */
export const syncStep2FromDoc = (doc: Y.Doc, stateVector: Uint8Array) =>
  syncMessage((e) => syncProtocol.writeSyncStep2(e, doc, stateVector))

export const updateMessage = (update: Uint8Array) => syncMessageWith(syncProtocol.messageYjsUpdate, update)

export function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients))
  return encoding.toUint8Array(encoder)
}

/** An awareness message with no states: changes nothing, costs 3 bytes. */
export const EMPTY_AWARENESS_MESSAGE = new Uint8Array([MESSAGE_AWARENESS, 1, 0])

/** A Yjs update with no structs and no deletions: [0 clients with structs, 0 clients with deletes]. */
export const isEmptyUpdate = (update: Uint8Array) => update.length === 2 && update[0] === 0 && update[1] === 0
