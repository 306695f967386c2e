/**
 * Cross-process delivery of board updates. With one process there is nobody else to tell, so
 * the in-process fan-out only delivers to other subscribers in this process; a Redis fan-out
 * can implement the same interface when one machine is not enough.
 */
export type FanoutHandler = (update: Uint8Array) => void

export interface Fanout {
  publish(boardId: string, update: Uint8Array, from: FanoutHandler): void
  subscribe(boardId: string, handler: FanoutHandler): () => void
}

export class InProcessFanout implements Fanout {
  private handlers = new Map<string, Set<FanoutHandler>>()

  publish(boardId: string, update: Uint8Array, from: FanoutHandler): void {
    for (const handler of this.handlers.get(boardId) ?? []) {
      if (handler !== from) handler(update)
    }
  }

  subscribe(boardId: string, handler: FanoutHandler): () => void {
    let set = this.handlers.get(boardId)
    if (!set) this.handlers.set(boardId, (set = new Set()))
    set.add(handler)
    return () => {
      set.delete(handler)
      if (set.size === 0) this.handlers.delete(boardId)
    }
  }
}
