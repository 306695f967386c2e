import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/**
 * A participant's public id is derived from their secret, so an id cannot be claimed by anyone
 * who lacks the secret behind it, and nothing needs registering first. Plain JS (not WebCrypto),
 * because browsers offer WebCrypto only on https or localhost, and boards are often shared over
 * plain http on a LAN.
 */
export function participantIdFromSecret(secret: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(secret)).subarray(0, 12))
}
