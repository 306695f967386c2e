import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

/**
 * Roundtable's own requests on the sync socket (votes, anonymous reveal). Stock y-websocket
 * clients never send this type and the server only ever sends it back to the socket that asked,
 * so they never see it. Payload: a JSON string `{ id, op, ...args }`; the reply carries the same id.
 */
export const MESSAGE_ROUNDTABLE = 7

export type Dots = Record<string, number>

export interface VoteStartArgs {
  shapeIds: string[]
  perPerson: number
  allowMultiple: boolean
  showLive: boolean
  /** Timebox in ms, or null for "until someone closes it". */
  durationMs: number | null
}

export interface RoundStartArgs {
  prompt: string
  /** Timebox in ms, or null for "until someone reveals". */
  durationMs: number | null
  anonymous: boolean
  /** Page and top-left point where revealed notes are laid out. */
  pageId: string
  anchor: { x: number; y: number }
}

/**
 * Every request and what it answers with. Votes and rounds are started, closed and revealed by
 * the server on request (it alone writes the `votes` and `brainstorm` maps), so nobody can forge
 * results or flip a round from anonymous to named.
 */
export interface RoundtableOps {
  'vote.start': { args: VoteStartArgs; result: { voteId: string } }
  'vote.cast': { args: { voteId: string; participantId: string; secret: string; dots: Dots }; result: { dots: Dots } }
  'vote.mine': { args: { voteId: string; participantId: string; secret: string }; result: { dots: Dots } }
  /** `onlyIfEnded`: sent when a device's timer runs out; refused while the server's clock says time is left. */
  'vote.close': { args: { voteId: string; onlyIfEnded?: boolean }; result: { totals: Dots } }
  'round.start': { args: RoundStartArgs; result: { roundId: string } }
  /** `onlyIfEnded` as for votes. */
  'round.reveal': { args: { roundId: string; onlyIfEnded?: boolean }; result: Record<string, never> }
  /** Reserve `count` non-overlapping places in the reveal layout for a named reveal. */
  'round.claim': { args: { roundId: string; count: number }; result: { firstSlot: number } }
  /**
   * Hand drafts to the server, which publishes everyone's at once with no author. Refused with
   * code `alone` when they would be published on their own (so could be told apart); sending
   * again with `alone: true` is the writer's choice to publish anyway.
   */
  'round.publishAnonymous': { args: { roundId: string; notes: string[]; alone?: boolean }; result: { published: number } }
}
export type RoundtableOp = keyof RoundtableOps

export type RoundtableRequest<K extends RoundtableOp = RoundtableOp> = { id: number; op: K } & RoundtableOps[K]['args']
export type RoundtableReply =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string; code?: RoundtableErrorCode }

/** Refusals a client acts on rather than just shows. */
export type RoundtableErrorCode = 'alone'

export function encodeRoundtable(payload: object): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_ROUNDTABLE)
  encoding.writeVarString(encoder, JSON.stringify(payload))
  return encoding.toUint8Array(encoder)
}

/** Reads the JSON payload after the message type; throws on anything that is not a JSON object with a numeric id. */
export function readRoundtablePayload(decoder: decoding.Decoder): { id: number; [key: string]: unknown } {
  const value: unknown = JSON.parse(decoding.readVarString(decoder))
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('roundtable message is not a JSON object')
  const id = (value as { id?: unknown }).id
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new Error('roundtable message has no numeric id')
  return value as { id: number }
}
