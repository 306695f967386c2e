import type { IncomingMessage, ServerResponse } from 'node:http'

/** A tiny method + path-pattern router; `:name` segments become params. */
export type Handler = (ctx: {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  params: Record<string, string>
}) => unknown | Promise<unknown>

export interface RouteOptions {
  /** The 405 message for this path; the default names the method and the path. */
  wrongMethod?: string
  /** Hand params over as sent, still percent-encoded (the route validates them as such). */
  raw?: boolean
}

interface Route extends RouteOptions {
  method: string
  pattern: RegExp
  keys: string[]
  handler: Handler
}

export type Match = { handler: Handler; params: Record<string, string> } | { wrongMethod: string } | undefined

export class Router {
  private routes: Route[] = []

  add(method: string, path: string, handler: Handler, options: RouteOptions = {}): this {
    const keys: string[] = []
    const source = path.replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key)
      return '([^/]+)'
    })
    this.routes.push({ ...options, method, pattern: new RegExp(`^${source}$`), keys, handler })
    return this
  }

  /**
   * The matching route's handler and params; the 405 message when only the method differs; or
   * undefined when no route has this path (or its params are not valid percent-encoding).
   */
  match(method: string, pathname: string): Match {
    let wrongMethod: Route | undefined
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname)
      if (!m) continue
      if (route.method !== method) {
        wrongMethod ??= route
        continue
      }
      let params: Record<string, string>
      try {
        params = Object.fromEntries(route.keys.map((k, i) => [k, route.raw ? m[i + 1] : decodeURIComponent(m[i + 1])]))
      } catch {
        return undefined
      }
      return { handler: route.handler, params }
    }
    if (wrongMethod) return { wrongMethod: wrongMethod.wrongMethod ?? `${method} is not allowed on ${pathname}` }
    return undefined
  }
}
