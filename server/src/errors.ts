/**
 * What a feature throws when it cannot do what was asked. Features say what went wrong in these
 * terms and nothing about transports; http/errors.ts alone turns them into status codes (and a
 * future transport can answer them its own way). The message is written for the person asking:
 * it is sent to them as is.
 */

/** The board or snapshot named does not exist. */
export class NotFoundError extends Error {}

/** The request is understood but clashes with the board's state or a limit (e.g. too many snapshots). */
export class ConflictError extends Error {}

/** Storage cannot serve the request right now; trying again later may work. */
export class UnavailableError extends Error {}

/** The request itself is malformed or out of range; asking again the same way will fail again. */
export class InvalidInputError extends Error {}
