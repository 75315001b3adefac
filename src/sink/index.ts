/** The sinks' public face: the Publisher interface, its implementations (JSONL, NATS, WebSocket) and the embedded nats-server. */
export { JsonlPublisher } from './jsonl.js';
export {
  type NatsConfig,
  NatsPublisher,
  type NatsPublisherStats,
  natsConnectionOptions,
  type SinkLog,
} from './nats.js';
export {
  type EmbeddedNats,
  type EmbeddedNatsOptions,
  startNatsServer,
} from './nats-server.js';
export {
  type BrokerState,
  NatsSupervisor,
  type SupervisorOptions,
  type SupervisorTimers,
} from './nats-supervisor.js';
export { FanoutPublisher, type Publisher, type Undelivered } from './publisher.js';
export { roomSubject, subjectToken } from './subjects.js';
export { type WsConfig, WsHub, type WsHubStats } from './ws-hub.js';
