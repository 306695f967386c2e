/**
 * The board is loaded by another live process: connections go there (relayed). A module of its
 * own so that a server on SQLite, which checks for it, never loads the PostgreSQL driver.
 */
export class OwnedElsewhereError extends Error {
  constructor(readonly address: string) {
    super(`the process at ${address} owns this board`)
  }
}
