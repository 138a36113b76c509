# syntax=docker/dockerfile:1
#
# One image for every pipeline stage: MILLIONX_ROLE (or --role / --profile on the command line) picks what a
# container runs. Configuration keys are overridden with environment variables (Kafka__BootstrapServers=...).
#
#   docker build -t millionx/pipeline:local .
#   docker run --rm millionx/pipeline:local                      (local profile, embedded broker, development keys)
#   docker run --rm -e MILLIONX_ROLE=dlq-monitor -e Kafka__BootstrapServers=kafka:9092 \
#       -e Privacy__HashKey=... -e Privacy__DeadLetterKey=... millionx/pipeline:local
#   docker run --rm -e Kafka__BootstrapServers=kafka:9092 -e Privacy__HashKey=... -e Privacy__DeadLetterKey=... \
#       -v "$PWD/records:/input:ro" millionx/pipeline:local ingest --source shopify --file /input/orders.jsonl
#
# The .NET 10 images are Ubuntu 24.04 (noble); Microsoft ships no Debian images for .NET 10.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore from the project files alone, so this layer (and the package download) is reused until a project file
# or a package version changes. Add a COPY line here for every project MillionX.Pipeline comes to reference.
COPY MillionX.sln Directory.Build.props Directory.Packages.props ./
COPY MillionX.Pipeline/MillionX.Pipeline.csproj MillionX.Pipeline/
RUN dotnet restore MillionX.Pipeline/MillionX.Pipeline.csproj

# Sources, and the top-level appsettings.json that the project links in beside the binary.
COPY . .
RUN dotnet publish MillionX.Pipeline/MillionX.Pipeline.csproj -c Release --no-restore -o /app/publish -p:UseAppHost=false

# LATER (embedding-service issue): fetch the all-MiniLM-L6-v2 ONNX model and tokenizer files in a separate stage,
# e.g. `FROM ... AS model` that downloads and checksums them into /models, then in the runtime stage
# `COPY --from=model /models /app/models` and point the embedding options at /app/models. Keep the download in its
# own stage so a code change does not fetch the model again.


FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime

# LATER (scraper issue): Chromium for Microsoft.Playwright goes here, as root and before USER. Ubuntu's `chromium`
# / `chromium-browser` apt packages are only snap stubs, which do not work in a container; use Playwright's own
# browser build (its driver's `install --with-deps chromium`, at build time) or another Chromium source, and launch
# it with --no-sandbox --disable-gpu --disable-dev-shm-usage (see the scraper options).

WORKDIR /app
COPY --from=build /app/publish .
# The app's files stay root-owned (read-only for the app user); only data/ is writable: relative paths such as the
# DuckDB warehouse default `data/millionx.duckdb` resolve against the working directory. Mount a volume here
# (`-v millionx-data:/app/data`) to keep the files across containers.
RUN mkdir -p /app/data && chown "$APP_UID" /app/data

# Which stage this container runs. Empty: the stages of Pipeline:Profile (default `local`), on an embedded
# in-memory broker unless Kafka__BootstrapServers is set. A real broker also needs the Privacy__* keys.
ENV MILLIONX_ROLE=""
# /metrics and /health. The app's default is loopback, which Prometheus and probes outside the container cannot
# reach, so the image listens on all interfaces of the container's own network namespace.
ENV Observability__Http__Urls=http://0.0.0.0:9464
# The base image sets ASPNETCORE_HTTP_PORTS=8080 for typical web apps; this host's only HTTP port is 9464 above.
ENV ASPNETCORE_HTTP_PORTS=""
EXPOSE 9464

# No HEALTHCHECK: the aspnet image has neither curl nor wget, and a Docker/compose healthcheck runs inside the
# container. Probe GET /health on port 9464 from outside instead (a Kubernetes httpGet probe, a load balancer);
# it answers 503 once a stage failed.

# The image's non-root `app` user (UID 1654); numeric, so `runAsNonRoot` checks can verify it.
USER $APP_UID

# Exec form: dotnet is PID 1 and gets SIGTERM, so the host stops its stages, commits offsets and leaves its groups.
ENTRYPOINT ["dotnet", "MillionX.Pipeline.dll"]
