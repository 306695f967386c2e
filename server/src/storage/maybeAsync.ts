/** A value now, or later: SQLite answers synchronously, a database across the network with a Promise. */
export type MaybePromise<T> = T | Promise<T>

/**
 * A store interface whose every method may answer with a Promise: what a store across the
 * network (PostgreSQL) implements. Callers await what they get; the hot path (appending an
 * update) keeps SQLite's synchronous answer in the same tick (see BoardWriter).
 */
export type MaybeAsync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => MaybePromise<Awaited<R>> : T[K]
}
