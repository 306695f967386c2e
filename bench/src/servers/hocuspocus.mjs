// Hocuspocus 4 with its SQLite persistence extension, as its docs set it up. Plain JavaScript
// run by node itself, as a deployment would run it compiled: no TypeScript loader to start,
// which the cold load's restart time would otherwise charge to Hocuspocus.
import path from 'node:path'
import { Server } from '@hocuspocus/server'
import { SQLite } from '@hocuspocus/extension-sqlite'

const server = new Server({
  port: Number(process.env.PORT),
  address: process.env.HOST ?? '127.0.0.1',
  quiet: true,
  extensions: [new SQLite({ database: path.join(process.env.DATA_DIR, 'hocuspocus.sqlite') })],
})
await server.listen()
console.log(`hocuspocus listening on ${server.configuration.address}:${server.configuration.port}`)
