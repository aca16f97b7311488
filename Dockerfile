# One image for every Paved service: `docker run paved:local <command>` (start, ingest, sink, transform, dashboard, backfill ...).
# Production runs compiled JavaScript (tools/cli/dist/paved.mjs and the dashboard's .next build) on the current
# Node LTS, with production dependencies only: no tsx, TypeScript, vitest or browsers in the image.
ARG NODE_IMAGE=node:22-bookworm-slim

# 1. Every dependency, to build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN npm i -g pnpm@10
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
COPY schemas/package.json schemas/
COPY ingest/package.json ingest/
COPY transform/package.json transform/
COPY transform/warehouse/package.json transform/warehouse/
COPY transform/pipeline/package.json transform/pipeline/
COPY transform/services/package.json transform/services/
COPY mail/package.json mail/
COPY surveys/package.json surveys/
COPY insights/package.json insights/
COPY dashboard/package.json dashboard/
COPY tools/runtime/package.json tools/runtime/
COPY tools/cli/package.json tools/cli/
COPY tools/bench/package.json tools/bench/
RUN pnpm install --frozen-lockfile
COPY . .
# The dashboard (next build) and the paved program (esbuild → tools/cli/dist/paved.mjs).
RUN pnpm run build

# 2. Production dependencies only, laid out as in the repository (pnpm's per-package node_modules).
FROM ${NODE_IMAGE} AS production-dependencies
WORKDIR /app
RUN npm i -g pnpm@10
COPY --from=build /app/pnpm-lock.yaml /app/pnpm-workspace.yaml /app/package.json /app/.npmrc ./
COPY --from=build /app/schemas/package.json schemas/
COPY --from=build /app/ingest/package.json ingest/
COPY --from=build /app/transform/package.json transform/
COPY --from=build /app/transform/warehouse/package.json transform/warehouse/
COPY --from=build /app/transform/pipeline/package.json transform/pipeline/
COPY --from=build /app/transform/services transform/services
COPY --from=build /app/mail/package.json mail/
COPY --from=build /app/surveys/package.json surveys/
COPY --from=build /app/insights/package.json insights/
COPY --from=build /app/dashboard/package.json dashboard/
COPY --from=build /app/tools/runtime/package.json tools/runtime/
COPY --from=build /app/tools/cli/package.json tools/cli/
COPY --from=build /app/tools/bench/package.json tools/bench/
RUN pnpm install --frozen-lockfile --prod && rm -rf /root/.local/share/pnpm /root/.cache

# 3. What runs: the compiled program, the dashboard build and the files both read at run time.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PAVED_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system paved && useradd --system --gid paved --home /app paved && mkdir -p /data && chown paved:paved /data
COPY --from=production-dependencies --chown=paved:paved /app /app
COPY --from=build --chown=paved:paved /app/tools/cli/dist tools/cli/dist
COPY --from=build --chown=paved:paved /app/transform/warehouse/migrations transform/warehouse/migrations
COPY --from=build --chown=paved:paved /app/transform/src/metrics/sql transform/src/metrics/sql
COPY --from=build --chown=paved:paved /app/surveys/templates surveys/templates
COPY --from=build --chown=paved:paved /app/dashboard/.next dashboard/.next
COPY --from=build --chown=paved:paved /app/dashboard/next.config.mjs dashboard/next.config.mjs
COPY --from=build --chown=paved:paved /app/paved.config.example.yaml paved.config.example.yaml
USER paved
EXPOSE 3000 3010 3011 3012
ENTRYPOINT ["node", "--enable-source-maps", "tools/cli/dist/paved.mjs"]
CMD ["start"]
