import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { DeviceProfile } from '../profile.js';
import type { UiDriver } from '../ui.js';
import { registerElementRoutes } from './elementRoutes.js';
import { ElementRegistry } from './elementRegistry.js';
import { Router } from './router.js';
import { idleBoundedUi } from './idleWait.js';
import { registerSessionRoutes } from './sessionRoutes.js';
import { findByKey, takeSnapshot, type SnapshotNode } from './uiSnapshot.js';
import { W3cError } from './w3cError.js';

export interface UiAutomator2ServerOptions {
  ui: UiDriver;
  /** PNG of the screen as it is now (the same pixels `screencap -p` gives). */
  screenshot(): Promise<Buffer>;
  device: DeviceProfile;
  /** Settings.Secure.ANDROID_ID as the server package reads it (its SSAID on Android 8+); default the profile's. */
  androidId?: () => string;
  /** The server build `/status` reports (the installed io.appium.uiautomator2.server). */
  build?: { version: string; versionCode: number };
  /** Largest request body accepted (hostile clients); default 1 MiB. */
  maxBodyBytes?: number;
}

export interface UiAutomator2ServerEvents {
  /** Every request served, with its HTTP status (the logcat line the real server writes). */
  request: [entry: { method: string; path: string; status: number; error?: string }];
  sessionCreated: [id: string];
  /** DELETE /session: the real server stops after answering it. */
  sessionDeleted: [id: string];
  /** An action that outlived waitForIdleTimeout failed afterwards (logged, as the real server logs it). */
  lateError: [message: string];
}

export interface Session {
  readonly id: string;
  readonly capabilities: Record<string, unknown>;
  readonly settings: Record<string, unknown>;
  readonly elements: ElementRegistry;
}

const DEFAULT_SETTINGS: Record<string, unknown> = {
  actionAcknowledgmentTimeout: 3000,
  allowInvisibleElements: false,
  ignoreUnimportantViews: false,
  elementResponseAttributes: '',
  enableMultiWindows: false,
  enableNotificationListener: true,
  keyInjectionDelay: 0,
  scrollAcknowledgmentTimeout: 200,
  shouldUseCompactResponses: true,
  waitForIdleTimeout: 10000,
  waitForSelectorTimeout: 10000,
  normalizeTagNames: false,
  shutdownOnPowerDisconnect: true,
  simpleBoundsCalculation: false,
  trackScrollEvents: true,
  wakeLockTimeout: 86400000,
  serverPort: 6790,
  mjpegServerPort: 7810,
  limitXPathContextScope: true,
  disableIdLocatorAutocompletion: false,
  snapshotMaxDepth: 70,
  currentDisplayId: 0,
};

/** What route handlers see: the phone's UI, the session, and element resolution against the current screen. */
export class RouteContext {
  constructor(
    readonly server: UiAutomator2Server,
    private readonly currentSession: Session | null,
  ) {}

  /** The phone's UI; actions answer once the app is idle, or after `waitForIdleTimeout`. */
  get ui(): UiDriver {
    const limit = Number(this.currentSession?.settings.waitForIdleTimeout ?? DEFAULT_SETTINGS.waitForIdleTimeout);
    return idleBoundedUi(this.server.options.ui, Number.isFinite(limit) && limit >= 0 ? limit : 10_000, (error) => this.server.emit('lateError', error instanceof Error ? error.message : String(error)));
  }

  get session(): Session {
    if (!this.currentSession) throw new W3cError('invalid session id', 'there is no active session');
    return this.currentSession;
  }

  /** The screen as it is now. */
  snapshot(): SnapshotNode {
    const allow = this.currentSession?.settings.allowInvisibleElements === true;
    return takeSnapshot(this.ui.hierarchy(), { display: this.ui.display(), includeInvisible: allow });
  }

  /** An element id's node on the current screen: `no such element` for an unknown id, `stale element reference` when its node is gone. */
  element(id: string): { top: SnapshotNode; node: SnapshotNode; key: string } {
    const key = this.session.elements.keyOf(id);
    if (key === undefined) throw new W3cError('no such element', `element '${id}' is unknown to this session; find it again`);
    const top = this.snapshot();
    const node = findByKey(top, key);
    if (!node) throw new W3cError('stale element reference', `element '${id}' is no longer attached to the screen (${describeFocus(this.ui)}); find it again`);
    return { top, node, key };
  }
}

function describeFocus(ui: UiDriver): string {
  const focus = ui.focus();
  return focus ? `now showing ${focus.package}/${focus.activity}` : 'no window in focus';
}

/**
 * The UiAutomator2 server's HTTP API (io.appium.uiautomator2.server, what the stock Appium driver
 * proxies to through `adb forward tcp:<systemPort> tcp:6790`). It owns no socket: the phone's
 * loopback hands it connections through accept(), so it runs behind `adb forward` exactly as the
 * real one, and tests can feed it sockets of their own. One session at a time, as the real server.
 */
export class UiAutomator2Server extends EventEmitter<UiAutomator2ServerEvents> {
  readonly options: UiAutomator2ServerOptions;
  private readonly http: http.Server;
  private readonly router = new Router<RouteContext>();
  private readonly sockets = new Set<Duplex>();
  private current: Session | null = null;
  private closed = false;

  constructor(options: UiAutomator2ServerOptions) {
    super();
    this.options = options;
    registerSessionRoutes(this.router);
    registerElementRoutes(this.router);
    this.http = http.createServer({ requestTimeout: 120_000, headersTimeout: 30_000, maxHeaderSize: 16 * 1024 }, (req, res) => void this.serve(req, res));
    // Node closes an idle keep-alive connection after 5 s; Appium's proxy keeps its sockets and may
    // send the next command on one just as it closes ("socket hang up", seen under load in the
    // conformance suite). The real server (Netty) closes no idle connection on its own (whether it
    // has any idle limit: unverified), so connections stay until the client or the adb forward ends them.
    this.http.keepAliveTimeout = 0;
  }

  get session(): Session | null {
    return this.current;
  }

  /** Serves HTTP on a connection the phone's loopback accepted. */
  accept(socket: Duplex): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.http.emit('connection', socket);
  }

  createSession(capabilities: Record<string, unknown>): Session {
    const session: Session = { id: randomUUID(), capabilities, settings: { ...DEFAULT_SETTINGS }, elements: new ElementRegistry() };
    this.current = session;
    this.emit('sessionCreated', session.id);
    return session;
  }

  deleteSession(id: string): void {
    if (this.current?.id !== id) throw new W3cError('invalid session id', `session '${id}' does not exist`);
    this.current = null;
  }

  /** Drops every connection (the server process is gone). */
  close(): void {
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.http.close();
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    // The server answers with or without the legacy /wd/hub prefix.
    const path = (req.url ?? '/').split('?')[0]!.replace(/^\/wd\/hub(?=\/|$)/, '') || '/';
    let sessionId: string | null = this.current?.id ?? null;
    let status = 200;
    let payload: unknown;
    let deleted: string | null = null;
    try {
      const body = await readJsonBody(req, this.options.maxBodyBytes ?? 1024 * 1024);
      const scoped = /^\/session\/([^/]+)(\/.*)?$/.exec(path);
      if (scoped && !(method === 'POST' && path === '/session')) {
        sessionId = decodeURIComponent(scoped[1]!);
        if (this.current?.id !== sessionId) throw new W3cError('invalid session id', `session '${sessionId}' does not exist (the server ${this.current ? `has session ${this.current.id}` : 'has no session'})`);
        if (method === 'DELETE' && !scoped[2]) deleted = sessionId;
      }
      const { handler, params } = this.router.match(method, path);
      const value = await handler(new RouteContext(this, this.current), { params, body });
      if (method === 'POST' && path === '/session') sessionId = this.current?.id ?? null;
      payload = { sessionId, value: value === undefined ? null : value };
    } catch (error) {
      const w3c = error instanceof W3cError ? error : new W3cError('unknown error', error instanceof Error ? error.message : String(error));
      status = w3c.status;
      payload = w3c.body(sessionId);
      deleted = null;
      this.emit('request', { method, path, status, error: `${w3c.error}: ${w3c.message}` });
    }
    if (status === 200) this.emit('request', { method, path, status });
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    if (deleted) {
      const id = deleted;
      res.once('finish', () => this.emit('sessionDeleted', id));
    }
  }
}

async function readJsonBody(req: http.IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Past the limit the rest is read and dropped, so the answer can still be sent on this connection.
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw new W3cError('invalid argument', `request body larger than ${limit} bytes`);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new W3cError('invalid argument', `request body is not JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new W3cError('invalid argument', 'request body must be a JSON object');
  return parsed as Record<string, unknown>;
}
