# The Aberrant scoring server: `aberrant serve` over the model files mounted at /models.
#   docker build -t aberrant .
#   docker run --rm -p 8080:8080 -v "$PWD/models:/models:ro" -e ABERRANT_TOKEN=s3cret aberrant
# See docs/serving.md.

FROM node:20-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json binding.gyp ./
COPY native ./native
COPY scripts ./scripts
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/build/Release/aberrant_native.node ./build/Release/aberrant_native.node
USER node
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/v2/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js", "serve", "--models", "/models", "--host", "0.0.0.0", "--port", "8080"]
