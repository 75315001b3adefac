/**
 * What the student page needs, served from this server (no CDN at run time): the page (`/student`), the client
 * bundle (`/client/*`, built by `npm run build:client`), its settings (`/client/settings.json`: the validated
 * config subset and rules), the ONNX models (`/models/…`) and ORT-web's .wasm/.mjs (`/ort/…`, from
 * node_modules/onnxruntime-web/dist). Every response carries the cross-origin isolation headers WASM threads
 * need (COOP same-origin, COEP require-corp, CORP same-origin).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parse as parseYaml } from 'yaml';
import type { ClientSettings, CropNetUrls } from '../client/index.js';
import { type Config, PACKAGE_ROOT } from '../config/index.js';
import { resolveRulesPath } from '../emotion/index.js';
import type { RoomTokens } from './room-tokens.js';

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
} as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

const ROOM = /^[A-Za-z0-9_-]{1,64}$/;

/** A model folder: as given if it exists, else relative to the package. */
function modelDir(dir: string): string {
  if (path.isAbsolute(dir) || existsSync(dir)) return path.resolve(dir);
  return path.join(PACKAGE_ROOT, dir);
}

/** URL path → file, for every file the page may load; nothing else is served. */
function fileTable(config: Config): Map<string, string> {
  const files = new Map<string, string>();
  const bundle = path.resolve(PACKAGE_ROOT, config.browser.bundleDir);
  for (const f of ['student.js', 'student.js.map']) files.set(`/client/${f}`, path.join(bundle, f));
  files.set('/student', path.join(bundle, 'student.html'));
  const detect = path.join(PACKAGE_ROOT, 'models', 'detect');
  for (const m of ['blazeface', 'facemesh', 'iris'])
    files.set(`/models/detect/${m}.onnx`, path.join(detect, `${m}.onnx`));
  const nets: [string, string][] = [
    ['lips', config.classify.lipModel],
    ['expressions', config.classify.expressionModel],
    ['student', config.classify.studentModel],
  ];
  for (const [name, dir] of nets) {
    if (!dir) continue;
    for (const f of ['model.json', 'model.onnx'])
      files.set(`/models/${name}/${f}`, path.join(modelDir(dir), f));
  }
  const ort = path.join(PACKAGE_ROOT, 'node_modules', 'onnxruntime-web', 'dist');
  if (existsSync(ort))
    for (const f of readdirSync(ort).filter((n) => /^ort-wasm[\w.-]*\.(wasm|mjs)$/.test(n)))
      files.set(`/ort/${f}`, path.join(ort, f));
  return files;
}

/** The settings of one page: a fresh stream id, the config subset the in-browser pipeline runs with. */
export function clientSettings(config: Config, rules: unknown, room: string): ClientSettings {
  const d = config.detect;
  const c = config.classify;
  const net = (name: string): CropNetUrls => ({
    card: `/models/${name}/model.json`,
    onnx: `/models/${name}/model.onnx`,
  });
  return {
    streamId: `web-${randomBytes(5).toString('hex')}`,
    room,
    detect: {
      every: config.browser.detectEvery,
      scanEvery: 0,
      cutThreshold: d.cutThreshold,
      minIou: d.minIou,
      trackGraceFrames: d.trackGraceFrames,
      cropSize: d.cropSize,
      minScore: d.minScore,
      minMeshScore: d.minMeshScore,
      confidentScore: d.confidentScore,
      maxFaces: d.maxFaces,
      minFaceSize: d.minFaceSize,
      rotation: d.rotation,
      // the student's own webcam: one near face, the short-range detector (the page ships only its model)
      range: 'short',
      tileSide: 0,
      // no scan: the page ships no SSD (one near face needs none)
      scanMinScore: d.scanMinScore,
      scanTileSide: 0,
      iris: d.iris,
    },
    baseline: c.baseline.enabled ? c.baseline : null,
    cropModelsOnDetections: c.cropModelsOnDetections,
    emotion: { ...config.emotion, summaryIntervalMs: config.browser.summaryIntervalMs },
    attention: config.attention.enabled ? config.attention : null,
    rules,
    model: 'mesh',
    fps: config.browser.fps,
    auRateHz: config.browser.auRateHz,
    attentionRateHz: config.browser.attentionRateHz,
    threads: config.browser.threads,
    providers: config.browser.providers === 'wasm' ? ['wasm'] : ['webgpu', 'wasm'],
    models: {
      blaze: '/models/detect/blazeface.onnx',
      mesh: '/models/detect/facemesh.onnx',
      ...(d.iris ? { iris: '/models/detect/iris.onnx' } : {}),
      ...(c.lipModel ? { landmarks: net('lips') } : {}),
      ...(c.expressionModel ? { expressions: net('expressions') } : {}),
      ...(c.studentModel ? { student: { ...net('student'), weight: c.studentWeight } } : {}),
    },
    ortPath: '/ort/',
    ingestPath: '/ingest',
  };
}

/** Registers the student page, the client bundle, its settings, models and ORT-web files. */
export function registerBrowserClient(app: FastifyInstance, config: Config, tokens?: RoomTokens): void {
  const files = fileTable(config);
  const cache = new Map<string, Buffer>();
  const rules = parseYaml(readFileSync(resolveRulesPath(config.emotion.rules), 'utf8')) as unknown;
  const send = (reply: FastifyReply, url: string) => {
    const file = files.get(url);
    if (!file || !existsSync(file)) {
      const hint = url.startsWith('/client/') || url === '/student' ? ': run npm run build:client' : '';
      return reply
        .code(404)
        .headers(ISOLATION)
        .send({ error: { code: 'NOT_FOUND', message: `${url} is not available${hint}` } });
    }
    let body = cache.get(file);
    if (!body) {
      body = readFileSync(file);
      // models and ORT files do not change while the server runs; the bundle may be rebuilt, so it is re-read
      if (!url.startsWith('/client/') && url !== '/student') cache.set(file, body);
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    return reply.type(type).headers(ISOLATION).header('cache-control', 'no-cache').send(body);
  };
  app.get('/student', (_req, reply) => send(reply, '/student'));
  app.get<{ Params: { file: string } }>('/client/:file', (req, reply) =>
    send(reply, `/client/${req.params.file}`),
  );
  app.get<{ Params: { dir: string; file: string } }>('/models/:dir/:file', (req, reply) =>
    send(reply, `/models/${req.params.dir}/${req.params.file}`),
  );
  app.get<{ Params: { file: string } }>('/ort/:file', (req, reply) => send(reply, `/ort/${req.params.file}`));
  app.get<{ Querystring: { room?: string; token?: string } }>('/client/settings.json', (req, reply) => {
    // a room token binds the page to its room: no room asked means that one, another room is refused
    const grant = req.query.token ? tokens?.check(req.query.token) : undefined;
    if (grant && req.query.room && req.query.room !== grant.room)
      return reply
        .code(403)
        .headers(ISOLATION)
        .send({ error: { code: 'ROOM_FORBIDDEN', message: `this token is for room ${grant.room}` } });
    const room = grant?.room ?? req.query.room ?? '';
    if (room && !ROOM.test(room))
      return reply
        .code(400)
        .headers(ISOLATION)
        .send({ error: { code: 'BAD_ROOM', message: 'room must be 1-64 of [A-Za-z0-9_-]' } });
    return reply
      .headers(ISOLATION)
      .header('cache-control', 'no-store')
      .send(clientSettings(config, rules, room));
  });
}
