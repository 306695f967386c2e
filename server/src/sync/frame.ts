/**
 * One unmasked, final binary WebSocket frame (RFC 6455 §5.2) carrying `payload`: what a server
 * sends. A broadcast builds it once and writes the same bytes to every socket, where `ws` would
 * frame the message again for each.
 */
export function binaryFrame(payload: Uint8Array): Buffer {
  const n = payload.length
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10
  const frame = Buffer.allocUnsafe(head + n)
  frame[0] = 0x82 // FIN, opcode 2 (binary)
  if (n < 126) frame[1] = n
  else if (n < 65536) {
    frame[1] = 126
    frame.writeUInt16BE(n, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(n), 2)
  }
  frame.set(payload, head)
  return frame
}
