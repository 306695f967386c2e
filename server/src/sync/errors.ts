/** A frame the protocol cannot make sense of; closes only the connection that sent it (4400). */
export class ProtocolError extends Error {}

/** A well-formed message that a limit or the connection's access refuses; closes only that connection. */
export class RefusedError extends Error {
  constructor(
    readonly code: number,
    readonly limit: string,
    message: string,
  ) {
    super(message)
  }
}
