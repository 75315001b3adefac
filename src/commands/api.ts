/**
 * `aupipe serve --role api`: a stateless API node for the cluster (docs/cluster.md). It runs no stream:
 * POST/DELETE /api/streams write stream specs into the JetStream KV `specs` bucket, and GET /api/streams
 * reads who owns what from the `leases` bucket, so any number of API nodes can run behind a load balancer.
 * Requests pass the same token hook as the single-node API (`server.auth`: read and admin scopes).
 */
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import Fastify from 'fastify';
import { ClusterStore, epochOf, ownerAt, type StreamSpec } from '../cluster/index.js';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { assertSafeBind, registerAuth } from '../server/index.js';
import { natsConnectionOptions, subjectToken } from '../sink/index.js';
import type { StreamStatus } from '../types.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface ApiNode {
  readonly url: string;
  close(): Promise<void>;
}

/** Where an API node reads cluster state: the KV buckets and the JetStream events stream (no local state). */
interface Sources {
  readonly store: ClusterStore;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  readonly prefix: string;
}

/** The stream's last status message in JetStream (`<prefix>.<stream>.status`), or null when none is stored. */
async function lastStatus(s: Sources, id: string): Promise<StreamStatus | null> {
  const m = await s.jsm.streams
    .getMessage(s.stream, { last_by_subj: `${s.prefix}.${subjectToken(id)}.status` })
    .catch(() => null);
  return m ? m.json<StreamStatus>() : null;
}

/**
 * The cluster view of one stream, read from the buckets and the events stream, so every API node answers
 * the same: its spec; the owner and epoch while a worker holds a live lease (`state` running, else pending);
 * the events its owner has open (`openEvents`, from the open-event record); the owner's last status message.
 */
async function view(s: Sources, spec: StreamSpec) {
  const [lease, open, status] = await Promise.all([
    s.store.lease(spec.id),
    s.store.open(spec.id).catch(() => null),
    lastStatus(s, spec.id),
  ]);
  const owner = ownerAt(lease, Date.now());
  const epoch = owner && lease ? epochOf(lease) : null;
  return {
    ...spec,
    owner,
    epoch,
    state: owner ? 'running' : 'pending',
    openEvents: open && open.epoch === epoch ? open.events.length : 0,
    status: status
      ? { state: status.state, atMs: status.atMs, ...(status.detail && { detail: status.detail }) }
      : null,
  };
}

type View = Awaited<ReturnType<typeof view>>;

/** Rooms as the specs name them: each with its streams (ids) and how many of them a worker runs now. */
function roomsOf(views: readonly View[]) {
  const rooms = new Map<string, View[]>();
  for (const v of views) if (v.room) rooms.set(v.room, [...(rooms.get(v.room) ?? []), v]);
  return [...rooms]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, vs]) => ({
      id,
      streams: vs.map((v) => v.id).sort(),
      running: vs.filter((v) => v.state === 'running').length,
    }));
}

export async function startApiNode(config: Config, log: Logger): Promise<ApiNode> {
  const url = config.sink.nats.url;
  if (!url) throw new ConfigError('CONFIG_INVALID', 'serve --role api needs the cluster: --nats URL[,URL…]');
  // the same tokens and scopes as the single-node API (issue #18): refuse a non-loopback bind without them
  assertSafeBind(config);
  const nc = await connect({ ...natsConnectionOptions(config.sink.nats, url), name: 'aupipe-api' });
  const store = await ClusterStore.open(nc, {
    replicas: config.cluster.replicas,
    prefix: config.cluster.bucketPrefix,
  });
  const src: Sources = {
    store,
    jsm: await jetstreamManager(nc),
    stream: config.sink.nats.stream,
    prefix: config.sink.nats.subjectPrefix,
  };
  // the views of every stream, or of one room's streams only (each view reads the buckets and the stream)
  const views = async (room?: string) =>
    Promise.all(
      (await store.specs()).filter((s) => room === undefined || s.room === room).map((s) => view(src, s)),
    );
  const app = Fastify({ logger: false });
  registerAuth(app, config.server.auth, []);
  app.get('/healthz', async () => ({ ok: !nc.isClosed(), role: 'api' }));
  app.get('/api/streams', async () => ({ streams: await views() }));
  app.get('/api/rooms', async () => ({ rooms: roomsOf(await views()) }));
  app.get<{ Params: { id: string } }>('/api/rooms/:id', async (req, reply) => {
    const vs = await views(req.params.id);
    if (!vs.length)
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no room ${req.params.id}` } });
    return { ...roomsOf(vs)[0], streams: vs };
  });
  app.get<{ Params: { id: string } }>('/api/streams/:id', async (req, reply) => {
    const s = await store.spec(req.params.id);
    if (!s)
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no stream ${req.params.id}` } });
    return view(src, s);
  });
  app.post<{ Body: { id?: string; url?: string; source?: string; loop?: boolean; room?: string } }>(
    '/api/streams',
    async (req, reply) => {
      const b = req.body ?? {};
      const source = (b.source ?? b.url ?? '').trim();
      const id = b.id ?? `s${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
      if (!source || !ID.test(id) || (b.loop !== undefined && typeof b.loop !== 'boolean'))
        return reply.code(400).send({
          error: {
            code: 'BAD_STREAM',
            message:
              'give a source (rtsp:// URL or a path the workers can read) and an id of [A-Za-z0-9_-]{1,64}',
          },
        });
      if (await store.spec(id))
        return reply.code(409).send({ error: { code: 'STREAM_EXISTS', message: `stream ${id} exists` } });
      const spec: StreamSpec = {
        id,
        source,
        ...(b.loop !== undefined && { loop: b.loop }),
        ...(b.room && { room: b.room }),
      };
      await store.putSpec(spec);
      log.info({ streamId: id }, 'stream spec written');
      return reply.code(201).send(await view(src, spec));
    },
  );
  app.delete<{ Params: { id: string } }>('/api/streams/:id', async (req, reply) => {
    if (!(await store.spec(req.params.id)))
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no stream ${req.params.id}` } });
    await store.deleteSpec(req.params.id); // the owner sees it gone at its next heartbeat and stops
    return reply.code(204).send();
  });
  const address = await app.listen({ host: config.server.host, port: config.server.port });
  return {
    url: address,
    async close() {
      await app.close();
      await nc.drain().catch(() => undefined);
    },
  };
}
