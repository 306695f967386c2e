// The floor: a raw ws server that relays every frame, byte for byte, to the other sockets on the
// same path. No Yjs, no storage: what moving the frames at all costs on this machine.
import http from 'node:http'
import { WebSocketServer, type WebSocket } from 'ws'

const port = Number(process.env.PORT)
const host = process.env.HOST ?? '127.0.0.1'
const rooms = new Map<string, Set<WebSocket>>()
const server = http.createServer((_req, res) => res.end('floor'))
const wss = new WebSocketServer({ server })

wss.on('connection', (ws, req) => {
  const name = req.url ?? '/'
  let room = rooms.get(name)
  if (!room) rooms.set(name, (room = new Set()))
  room.add(ws)
  ws.on('message', (data, isBinary) => {
    for (const peer of room) if (peer !== ws && peer.readyState === peer.OPEN) peer.send(data, { binary: isBinary })
  })
  ws.on('close', () => {
    room.delete(ws)
    if (room.size === 0) rooms.delete(name)
  })
})
server.listen(port, host, () => console.log(`floor listening on ${host}:${port}`))
process.on('SIGTERM', () => process.exit(0))
