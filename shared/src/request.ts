import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import type { RequestErrorCode, RequestOp, RequestOps } from './privacy/protocol.ts'
import { parseJsonSafely } from './security/safeJson.ts'

/**
 * Requests: a channel on the sync socket beside sync and awareness (votes, the anonymous
 * reveal). Stock y-websocket clients never send this type and the server only ever sends it back
 * to the socket that asked, so they never see it. Payload: a JSON string `{ id, op, ...args }`;
 * the reply carries the same id.
 */
export const MESSAGE_REQUEST = 7

export type RequestMessage<K extends RequestOp = RequestOp> = { id: number; op: K } & RequestOps[K]['args']
export type RequestReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string; code?: RequestErrorCode }

export function encodeRequest(payload: object): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_REQUEST)
  encoding.writeVarString(encoder, JSON.stringify(payload))
  return encoding.toUint8Array(encoder)
}

/** Reads the JSON payload after the message type; throws on anything that is not a JSON object with a numeric id. */
export function readRequestPayload(decoder: decoding.Decoder): { id: number; [key: string]: unknown } {
  const value: unknown = parseJsonSafely(decoding.readVarString(decoder))
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('request is not a JSON object')
  const id = (value as { id?: unknown }).id
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new Error('request has no numeric id')
  return value as { id: number }
}
