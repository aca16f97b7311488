# One image for every Paved service: `docker run paved:local <command>` (ingest, sink, transform, dashboard, backfill ...).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN npm i -g pnpm@10
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY schemas/package.json schemas/
COPY ingest/package.json ingest/
COPY transform/package.json transform/
COPY surveys/package.json surveys/
COPY dashboard/package.json dashboard/
COPY tools/cli/package.json tools/cli/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm --filter @paved/dashboard build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PAVED_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system paved && useradd --system --gid paved --home /app paved && mkdir -p /data && chown paved:paved /data
COPY --from=build --chown=paved:paved /app /app
USER paved
EXPOSE 3000 3010 3011 3012
ENTRYPOINT ["node", "tools/cli/bin/paved.mjs"]
CMD ["start"]
