# aupipe service image: Node 20 on Debian bookworm with Debian's ffmpeg (decode/probe) and nats-server
# (embedded broker when no sink.nats.url is given). Build: docker build -t aupipe .
FROM node:20-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg nats-server \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# onnxruntime-node's postinstall would download the CUDA provider from outside the npm registry.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    NODE_ENV=production
COPY package.json package-lock.json .npmrc* ./
# Dev dependencies stay: the CLI runs TypeScript through tsx (no build step).
RUN npm ci --no-fund --no-audit --loglevel=error

COPY . .

# Listen on all interfaces inside the container; state (uploads, embedded NATS store) in a volume.
ENV AUPIPE_SERVER_HOST=0.0.0.0 \
    AUPIPE_SERVER_PORT=8080 \
    AUPIPE_SERVER_DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
EXPOSE 8080
USER node
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/aupipe.mjs"]
CMD ["serve"]
