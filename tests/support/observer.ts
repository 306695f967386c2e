import * as Y from 'yjs'
import WebSocket from 'ws'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import { MESSAGE_AWARENESS, MESSAGE_SYNC } from '@roundtable/shared'

export interface Observer {
  ws: WebSocket
  /** The observer's own copy of the board doc, built only from what it received. */
  doc: Y.Doc
  frames: Buffer[]
  /** Everyone's presence as the observer sees it (awareness client id -> state). */
  awareness: awarenessProtocol.Awareness
  /** Every awareness client id the observer ever saw, i.e. every person's Yjs client id. */
  clientsSeen: Set<number>
  /** Every frame as text, so a secret written anywhere in it would show. */
  text(): string
  typesSeen(): Set<number>
  close(): void
}

/**
 * A hostile peer: a raw socket on /sync/<boardId> that records every frame it receives and keeps
 * its own doc and awareness from them (it asks for the full state, as any y-websocket client does).
 */
export async function observe(wsUrl: string, boardId: string): Promise<Observer> {
  const ws = new WebSocket(`${wsUrl}/${boardId}`)
  const frames: Buffer[] = []
  const doc = new Y.Doc()
  const awareness = new awarenessProtocol.Awareness(doc)
  awareness.setLocalState(null)
  const clientsSeen = new Set<number>()
  ws.on('message', (data: Buffer) => {
    frames.push(data)
    const decoder = decoding.createDecoder(new Uint8Array(data))
    const type = decoding.readVarUint(decoder)
    if (type === MESSAGE_SYNC) {
      const reply = encoding.createEncoder()
      encoding.writeVarUint(reply, MESSAGE_SYNC)
      syncProtocol.readSyncMessage(decoder, reply, doc, 'observer')
    } else if (type === MESSAGE_AWARENESS) {
      awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), 'observer')
      for (const id of awareness.getStates().keys()) clientsSeen.add(id)
    }
  })
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  const step1 = encoding.createEncoder()
  encoding.writeVarUint(step1, MESSAGE_SYNC)
  syncProtocol.writeSyncStep1(step1, doc)
  ws.send(encoding.toUint8Array(step1))
  return {
    ws,
    doc,
    frames,
    awareness,
    clientsSeen,
    text: () => frames.map((f) => f.toString('latin1')).join('\n'),
    typesSeen: () => new Set(frames.map((f) => decoding.readVarUint(decoding.createDecoder(new Uint8Array(f))))),
    close() {
      ws.close()
      awareness.destroy()
      doc.destroy()
    },
  }
}

/** Yjs client ids of the items whose content holds `text` (who wrote it, as far as Yjs knows). */
export function clientIdsWriting(doc: Y.Doc, text: string): Set<number> {
  const { structs } = Y.decodeUpdate(Y.encodeStateAsUpdate(doc))
  const ids = new Set<number>()
  for (const s of structs) {
    const content = (s as Y.Item).content
    if (content && JSON.stringify((content as { getContent?: () => unknown[] }).getContent?.() ?? []).includes(text)) ids.add(s.id.client)
  }
  return ids
}

/**
 * Everything in a doc, as text: its whole encoded state (every item ever written, deleted ones
 * too, whatever type holds it), so a string written anywhere in it shows.
 */
export function docText(doc: Y.Doc): string {
  return Buffer.from(Y.encodeStateAsUpdate(doc)).toString('latin1')
}
