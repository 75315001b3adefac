import { z } from 'zod';

/** `aupipe worker` and `aupipe serve --role api`: streams shared by workers over JetStream KV leases. */
export const clusterSchema = z
  .object({
    workerId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,64}$/)
      .default('')
      .describe('This worker\'s name in the leases bucket; empty: "<hostname>-<pid>".'),
    maxStreams: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(4)
      .describe('Most streams this worker analyses at once.'),
    leaseTtlMs: z
      .number()
      .int()
      .min(1000)
      .max(600_000)
      .default(6000)
      .describe('A lease not refreshed within this time is free for another worker to claim.'),
    heartbeatMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(1500)
      .describe(
        'How often a worker refreshes its leases and looks for free streams (well below leaseTtlMs).',
      ),
    stopMarginMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(1000)
      .describe(
        'A worker stops a stream this long before its unrefreshed lease expires (covers clock skew).',
      ),
    replicas: z
      .number()
      .int()
      .min(1)
      .max(5)
      .default(1)
      .describe(
        'JetStream replicas of the specs, leases and open-events KV buckets (3 on a 3-node cluster).',
      ),
    bucketPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/)
      .default('aupipe')
      .describe('Prefix of the KV bucket names (<prefix>_specs, <prefix>_leases, <prefix>_open).'),
  })
  .strict()
  .refine((c) => c.heartbeatMs * 2 <= c.leaseTtlMs, {
    message: 'cluster.heartbeatMs must be at most half of cluster.leaseTtlMs',
  })
  // a refresh is due every heartbeat; stopping must not come before the second chance to refresh
  .refine((c) => c.stopMarginMs + c.heartbeatMs < c.leaseTtlMs, {
    message: 'cluster.stopMarginMs + cluster.heartbeatMs must be below cluster.leaseTtlMs',
  });

export type ClusterConfig = z.infer<typeof clusterSchema>;
