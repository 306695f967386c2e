import zlib from 'node:zlib'

/**
 * CRC-32 of a stored row, the same in SQLite and PostgreSQL. A state row's checksum covers the
 * state vector stored with it too: a wrong state vector would make a client hold back edits.
 */
export function checksum(data: Uint8Array, stateVector?: Uint8Array | null): number {
  const crc = zlib.crc32(data)
  return stateVector ? zlib.crc32(stateVector, crc) : crc
}
