import { W3cError } from './w3cError.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteRequest {
  params: Record<string, string>;
  body: Record<string, unknown>;
}

export type RouteHandler<C> = (context: C, request: RouteRequest) => unknown;

interface Route<C> {
  method: HttpMethod;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler<C>;
}

/**
 * Routes `METHOD /path/:param` to handlers (a tiny table, like the server's AppiumServlet). A path
 * that no route knows is W3C `unknown command`; a known path with another method `unknown method`.
 */
export class Router<C> {
  private readonly routes: Route<C>[] = [];

  add(method: HttpMethod, path: string, handler: RouteHandler<C>): this {
    const names: string[] = [];
    const source = path.replace(/:([a-zA-Z]+)/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  match(method: string, path: string): { handler: RouteHandler<C>; params: Record<string, string> } {
    let pathKnown = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { handler: route.handler, params };
    }
    if (pathKnown) throw new W3cError('unknown method', `${method} is not supported for ${path}`);
    throw new W3cError('unknown command', `The requested resource could not be found, or a request was received using an HTTP method that is not supported by the mapped resource: ${method} ${path}`);
  }
}
