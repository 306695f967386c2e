import { randomBytes } from 'node:crypto'

/** A fresh board id every server accepts (Roundtable wants 16-64 URL-safe characters). */
export function newBoard(tag = 'b'): string {
  return `${tag}${randomBytes(12).toString('base64url')}`.replace(/[^A-Za-z0-9_-]/g, '_').padEnd(16, 'x')
}
