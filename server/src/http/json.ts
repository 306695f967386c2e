import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseJsonSafely } from '@roundtable/shared'
import { InvalidInputError } from '../errors.ts'
import { BodyTooLargeError } from './errors.ts'

/** Every JSON answer the server gives, errors included: never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  // Serialized first: a body that cannot be must not leave a response half-begun.
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(text)
}

/** A request body that must be a JSON object (an empty body counts as `{}`) of at most `maxBytes`. */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const tooLarge = () => new BodyTooLargeError(`the request body is over ${maxBytes} bytes`)
  // Refused before reading a byte when the size is declared; the 413 then closes the connection.
  if (Number(req.headers['content-length']) > maxBytes) return Promise.reject(tooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBytes) return void chunks.push(chunk)
      // Stop keeping it, but let the socket drain so the 413 reaches the client.
      req.off('data', onData)
      chunks.length = 0
      req.resume()
      reject(tooLarge())
    }
    req.on('data', onData)
    req.on('error', reject)
    req.on('end', () => {
      if (size > maxBytes) return
      const text = Buffer.concat(chunks).toString('utf8').trim()
      if (!text) return resolve({})
      try {
        const body = parseJsonSafely(text)
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error()
        resolve(body as Record<string, unknown>)
      } catch {
        reject(new InvalidInputError('the request body must be a JSON object (nested at most 64 deep)'))
      }
    })
  })
}
