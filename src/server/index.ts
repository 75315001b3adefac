/** The server's public face: the live service (HTTP API, WebSocket, embedded NATS, dashboard). */
export { type AupipeServer, type CreateServerOptions, createServer } from './app.js';
export { assertSafeBind, registerAuth } from './auth.js';
export { serve } from './serve.js';
export { type Service, type ServiceOptions, startService } from './service.js';
export { type StreamFactory, type StreamInfo, StreamManager } from './stream-manager.js';
