import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { binaryFrame } from './frame.ts'

// A real ws server writes the frames straight to the upgraded socket, as the rooms do, and a ws
// client reads them: each must arrive as one binary message, unchanged and in order.
let wss: WebSocketServer
let url: string
beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise((r) => wss.once('listening', r))
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
})
afterAll(() => new Promise((r) => wss.close(r)))

describe('binaryFrame', () => {
  it('frames every length encoding as ws reads it (7-bit, 16-bit and 64-bit lengths, at their edges)', async () => {
    const sizes = [0, 1, 125, 126, 65535, 65536, 200_000]
    const payloads = sizes.map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255))
    wss.once('connection', (ws, req) => {
      for (const p of payloads) req.socket.write(binaryFrame(p))
      // ws's own sends keep their place among the written frames.
      ws.send(Buffer.from('after'))
    })
    const client = new WebSocket(url)
    const got: { data: Buffer; isBinary: boolean }[] = []
    await new Promise<void>((resolve, reject) => {
      client.on('message', (data: Buffer, isBinary) => {
        got.push({ data, isBinary })
        if (got.length === sizes.length + 1) resolve()
      })
      client.on('error', reject)
    })
    client.close()
    expect(got.map((g) => g.isBinary)).toEqual(sizes.map(() => true).concat(true))
    got.slice(0, sizes.length).forEach((g, i) => expect(Buffer.compare(g.data, Buffer.from(payloads[i])), `${sizes[i]} bytes`).toBe(0))
    expect(got[sizes.length].data.toString()).toBe('after')
  })
})
