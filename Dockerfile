# taskgate's container image. Stages: `build` installs every dependency and builds the web console;
# `demo-oidc` is the compose quick start's test IdP (it needs the dev dependency oidc-provider); `prune`
# keeps the runtime dependencies only; the last stage is the image: Node 24, tini as PID 1, a non-root user,
# all state under the one volume /var/lib/taskgate, so the root file system can be read-only.
# Build: docker build -t taskgate .     Run: see README "Containers".
FROM node:24-bookworm-slim AS build
# A compiler for ssh2's native crypto binding (below); it stays in this stage, the image gets the binding only.
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends python3 make g++; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the lock's are the `node` dev dependency's download of a second Node 24, which the base
# image already is, and ssh2's binding, built next against this Node's own headers.
RUN npm ci --ignore-scripts --no-audit --no-fund
# ssh2's native AES-GCM/ChaCha20 binding: without it ssh2 makes a JavaScript cipher per packet, 2-5x the CPU
# per MB of SSH traffic (README "SSH resources"). Offline: the headers are the base image's (/usr/local).
RUN set -eu; \
    cd node_modules/ssh2/lib/protocol/crypto; \
    node /usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js rebuild --nodedir=/usr/local \
      --real_openssl_major="$(node -p 'process.versions.openssl.split(".")[0]')" >/dev/null; \
    rm -rf build/Release/obj.target build/Release/.deps; \
    node -e "require('./build/Release/sshcrypto.node')"
COPY . .
# `npm run build` would put node_modules/.bin (the unscripted `node` package's stub) first on PATH.
RUN node scripts/generate-web-api-types.ts && node node_modules/vite/bin/vite.js build web --logLevel warn

FROM build AS demo-oidc
USER nobody
CMD ["node", "test/containers/demo-oidc.ts"]

FROM build AS prune
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends tini; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 taskgate; \
    useradd --system --uid 10001 --gid taskgate --home-dir /var/lib/taskgate --no-create-home \
      --shell /usr/sbin/nologin taskgate; \
    install -d -o taskgate -g taskgate -m 0700 /var/lib/taskgate
WORKDIR /opt/taskgate
COPY --from=prune /src/node_modules node_modules
COPY --from=build /src/web/dist web/dist
COPY package.json ./
COPY bin bin
COPY src src
COPY deploy/compose/taskgate.yaml /etc/taskgate/taskgate.yaml
# NODE_COMPILE_CACHE: a restart reuses V8's compiled code from the volume (about a third less start-up CPU;
# README "Replicas").
ENV NODE_ENV=production \
    NODE_COMPILE_CACHE=/var/lib/taskgate/.node-compile-cache \
    PATH=/opt/taskgate/bin:$PATH \
    TASKGATE_CONFIG=/etc/taskgate/taskgate.yaml \
    TASKGATE_HEALTH_URL=http://127.0.0.1:8470/v1/health/ready
USER taskgate
VOLUME /var/lib/taskgate
EXPOSE 8470 15432
# Ready = store reachable, migrations done, listeners bound; 503 while draining after SIGTERM.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.TASKGATE_HEALTH_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini reaps children (workers) and passes SIGTERM on; main.ts drains on it (shutdown.drainTimeout).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "src/main.ts"]
