import type { IncomingMessage, ServerResponse } from 'node:http'

/** A tiny method + path-pattern router; `:name` segments become params. */
export type Handler = (ctx: {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  params: Record<string, string>
}) => unknown | Promise<unknown>

interface Route {
  method: string
  pattern: RegExp
  keys: string[]
  handler: Handler
}

export class Router {
  private routes: Route[] = []

  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = []
    const source = path.replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key)
      return '([^/]+)'
    })
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler })
    return this
  }

  /** The matching route's handler call, 'method' if only the method differs, or undefined. */
  match(method: string, pathname: string): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname)
      if (!m) continue
      pathMatched = true
      if (route.method !== method) continue
      let params: Record<string, string>
      try {
        params = Object.fromEntries(route.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])]))
      } catch {
        return undefined
      }
      return { handler: route.handler, params }
    }
    return pathMatched ? 'method' : undefined
  }
}
