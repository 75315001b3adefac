import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors.js';

/**
 * HTTP API auth: the WebSocket's token scheme (`Authorization: Bearer <token>` or `?token=<token>`) with
 * two scopes. `read` may GET (and HEAD) every route and subscribe on the WebSocket; `admin` may also
 * create, upload and delete. One onRequest hook covers every route, those added later included; only
 * `server.auth.publicPaths`, the dashboard's static assets and the student page's files (`/student`,
 * `/client/*`, `/models/*`, `/ort/*`: page code, ONNX models and ORT-web's WASM, no data) are served without a
 * token, so a student holding only a room token can load the page.
 */
export type Scope = 'read' | 'admin';

type AuthConfig = Config['server']['auth'];

/** The token a request presents: `?token=` first (browsers cannot set WebSocket headers), then Bearer. */
export function presentedToken(url: string | undefined, authorization: string | undefined): string {
  // not `new URL(url, base)`: a request target such as `//%2500` parses as a host and throws
  const q = new URLSearchParams((url ?? '').split('?')[1] ?? '').get('token');
  if (q) return q;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1] ?? '';
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The scope a token grants ('none' for an unknown or empty one); compares in constant time per token. */
export function scopeOf(token: string, tokens: AuthConfig['tokens']): Scope | 'none' {
  if (!token) return 'none';
  let scope: Scope | 'none' = 'none';
  for (const t of tokens) if (same(token, t.token) && scope !== 'admin') scope = t.scope;
  return scope;
}

/** What a request needs: reading is GET/HEAD; anything else changes state and needs admin. */
export function requiredScope(method: string): Scope {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'admin';
}

/** The outcome of checking one request, as a pure decision. */
export function authorize(
  o: { method: string; path: string; token: string },
  auth: AuthConfig,
  publicPaths: ReadonlySet<string>,
  publicPrefixes: readonly string[] = [],
): { ok: true } | { ok: false; status: 401 | 403; code: 'UNAUTHORIZED' | 'FORBIDDEN'; message: string } {
  if (auth.tokens.length === 0) return { ok: true };
  if (
    (o.method === 'GET' || o.method === 'HEAD') &&
    (publicPaths.has(o.path) || publicPrefixes.some((p) => o.path.startsWith(p)))
  )
    return { ok: true };
  const has = scopeOf(o.token, auth.tokens);
  if (has === 'none')
    return {
      ok: false,
      status: 401,
      code: 'UNAUTHORIZED',
      message: o.token
        ? 'unknown token'
        : 'a token is required: send Authorization: Bearer <token> or ?token=<token>',
    };
  const need = requiredScope(o.method);
  if (need === 'admin' && has !== 'admin')
    return {
      ok: false,
      status: 403,
      code: 'FORBIDDEN',
      message: `${o.method} ${o.path} needs an admin token; this token is read-only`,
    };
  return { ok: true };
}

/** Installs the hook on the root instance, so it runs for every route, whichever plugin adds it. */
export function registerAuth(
  app: FastifyInstance,
  auth: AuthConfig,
  staticPaths: readonly string[],
  staticPrefixes: readonly string[] = [],
): void {
  const open = new Set([...auth.publicPaths, ...staticPaths]);
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const r = authorize(
      { method: req.method, path, token: presentedToken(req.url, req.headers.authorization) },
      auth,
      open,
      staticPrefixes,
    );
    if (!r.ok) {
      if (r.status === 401) reply.header('www-authenticate', 'Bearer realm="aupipe"');
      return reply.code(r.status).send({ error: r.code, message: r.message });
    }
  });
}

/**
 * For the WebSocket upgrade: with API tokens configured any of them (read or admin) may subscribe, as may
 * `sink.ws.token` when set; undefined leaves the decision to the hub's own `sink.ws.token` check.
 */
export function wsAuthorized(req: IncomingMessage, config: Config): boolean | undefined {
  const { tokens } = config.server.auth;
  if (tokens.length === 0) return undefined;
  const token = presentedToken(req.url, req.headers.authorization);
  const ws = config.sink.ws.token;
  return scopeOf(token, tokens) !== 'none' || (ws !== '' && same(token, ws));
}

/** Loopback names and addresses: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1'
  );
}

/** Refuses to serve an open API beyond this machine: a non-loopback host needs `server.auth.tokens`. */
export function assertSafeBind(config: Config): void {
  if (isLoopbackHost(config.server.host) || config.server.auth.tokens.length > 0) return;
  throw new ConfigError(
    'CONFIG_AUTH_REQUIRED',
    `server.host "${config.server.host}" is not a loopback address and server.auth.tokens is empty: anyone who can reach the port could create streams, upload files and delete streams; configure at least one admin token (server.auth.tokens) or listen on 127.0.0.1`,
  );
}
