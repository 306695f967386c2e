import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

/**
 * The frames of a board link: one internal WebSocket from a relaying process to a board's owner
 * carries all the relayed clients of that board, each with a number of its own on the link.
 * The clients' own frames travel unchanged inside; a message the owner sends to everyone on the
 * board crosses the link once (BROADCAST) and the relaying process hands it to each of its clients.
 */
export const LinkFrame = {
  /** Relaying process → owner: a client joined (readOnly: a view-only link). */
  open: 0,
  /** Either way: one client's frame. */
  frame: 1,
  /** Relaying process → owner: the client left. Owner → relaying process: close the client with this code. */
  close: 2,
  /** Owner → relaying process: the frame for every client on the link but `except` (0: none). */
  broadcast: 3,
} as const

export type DecodedLinkFrame =
  | { type: typeof LinkFrame.open; id: number; readOnly: boolean }
  | { type: typeof LinkFrame.frame; id: number; payload: Uint8Array }
  | { type: typeof LinkFrame.close; id: number; code: number; reason: string }
  | { type: typeof LinkFrame.broadcast; except: number; payload: Uint8Array }

function withHeader(write: (e: encoding.Encoder) => void, payload?: Uint8Array): Uint8Array {
  const e = encoding.createEncoder()
  write(e)
  if (!payload) return encoding.toUint8Array(e)
  const header = encoding.toUint8Array(e)
  const out = new Uint8Array(header.length + payload.length)
  out.set(header)
  out.set(payload, header.length)
  return out
}

export const encodeOpen = (id: number, readOnly: boolean) =>
  withHeader((e) => {
    encoding.writeVarUint(e, LinkFrame.open)
    encoding.writeVarUint(e, id)
    encoding.writeVarUint(e, readOnly ? 1 : 0)
  })

export const encodeFrame = (id: number, payload: Uint8Array) =>
  withHeader((e) => {
    encoding.writeVarUint(e, LinkFrame.frame)
    encoding.writeVarUint(e, id)
  }, payload)

export const encodeClose = (id: number, code = 1000, reason = '') =>
  withHeader((e) => {
    encoding.writeVarUint(e, LinkFrame.close)
    encoding.writeVarUint(e, id)
    encoding.writeVarUint(e, code)
    encoding.writeVarString(e, reason)
  })

export const encodeBroadcast = (except: number, payload: Uint8Array) =>
  withHeader((e) => {
    encoding.writeVarUint(e, LinkFrame.broadcast)
    encoding.writeVarUint(e, except)
  }, payload)

/** Throws on a frame that is not one of these (the link is then closed: it comes from our own code). */
export function decodeLinkFrame(bytes: Uint8Array): DecodedLinkFrame {
  const d = decoding.createDecoder(bytes)
  const type = decoding.readVarUint(d)
  switch (type) {
    case LinkFrame.open:
      return { type, id: decoding.readVarUint(d), readOnly: decoding.readVarUint(d) === 1 }
    case LinkFrame.frame: {
      const id = decoding.readVarUint(d)
      return { type, id, payload: bytes.subarray(d.pos) }
    }
    case LinkFrame.close:
      return { type, id: decoding.readVarUint(d), code: decoding.readVarUint(d), reason: decoding.readVarString(d) }
    case LinkFrame.broadcast: {
      const except = decoding.readVarUint(d)
      return { type, except, payload: bytes.subarray(d.pos) }
    }
    default:
      throw new Error(`unknown link frame type ${type}`)
  }
}
