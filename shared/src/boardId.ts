import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** Board ids are capabilities: whoever knows one can edit that board. */
export const BOARD_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/

export function isValidBoardId(id: unknown): id is string {
  return typeof id === 'string' && BOARD_ID_PATTERN.test(id)
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A fresh, unguessable board id: 24 base64url characters = 144 bits of randomness. */
export function newBoardId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24))
  let id = ''
  // 64 symbols, so the low 6 bits of each byte map to one symbol without bias.
  for (const b of bytes) id += ALPHABET[b & 63]
  return id
}

/**
 * What logs and errors call a board instead of its id, which is its edit link's key: the first 12
 * hex digits of SHA-256 of the id. Ids are unguessable, so the tag cannot be turned back into one;
 * anyone holding an id computes its tag (`printf %s <id> | sha256sum | cut -c1-12`), and the board
 * menu's "About this board" shows it.
 */
export function boardTag(boardId: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(boardId))).slice(0, 12)
}
