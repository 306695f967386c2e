import { sha256 } from '@noble/hashes/sha2.js'
import { hmac } from '@noble/hashes/hmac.js'
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

/**
 * The key a person's ballot in one vote is stored under: HMAC-SHA-256 of the vote id under
 * their secret. Only they can compute it, and it differs per vote, so neither the server nor
 * whoever reads its database can tell whose ballot it is or link one person's ballots across
 * votes. 64 hex digits; a participant id (what ballots were keyed by before) has 24.
 */
export function ballotKey(secret: string, voteId: string): string {
  return bytesToHex(hmac(sha256, new TextEncoder().encode(secret), new TextEncoder().encode(voteId)))
}

export const BALLOT_KEY_PATTERN = /^[0-9a-f]{64}$/
