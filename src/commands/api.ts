/**
 * `aupipe serve --role api`: a stateless API node for the cluster (docs/cluster.md). It runs no stream:
 * POST/DELETE /api/streams write stream specs into the JetStream KV `specs` bucket, and GET /api/streams
 * reads who owns what from the `leases` bucket, so any number of API nodes can run behind a load balancer.
 * Requests pass the same token hook as the single-node API (`server.auth`: read and admin scopes).
 */
import { connect } from '@nats-io/transport-node';
import Fastify from 'fastify';
import { ClusterStore, epochOf, ownerAt, type StreamSpec } from '../cluster/index.js';
import type { Config } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { assertSafeBind, registerAuth } from '../server/index.js';
import { natsConnectionOptions } from '../sink/index.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface ApiNode {
  readonly url: string;
  close(): Promise<void>;
}

/** The cluster view of one stream: its spec and, when a worker holds a live lease, the owner and epoch. */
async function view(store: ClusterStore, spec: StreamSpec) {
  const lease = await store.lease(spec.id);
  const owner = ownerAt(lease, Date.now());
  return {
    ...spec,
    owner,
    epoch: owner && lease ? epochOf(lease) : null,
    state: owner ? 'running' : 'pending',
  };
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
  const app = Fastify({ logger: false });
  registerAuth(app, config.server.auth, []);
  app.get('/healthz', async () => ({ ok: !nc.isClosed(), role: 'api' }));
  app.get('/api/streams', async () => ({
    streams: await Promise.all((await store.specs()).map((s) => view(store, s))),
  }));
  app.get<{ Params: { id: string } }>('/api/streams/:id', async (req, reply) => {
    const s = await store.spec(req.params.id);
    if (!s)
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no stream ${req.params.id}` } });
    return view(store, s);
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
      return reply.code(201).send(await view(store, spec));
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
