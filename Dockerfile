# syntax=docker/dockerfile:1
#
# SU Render as a relay for a team: one static binary (the app embedded, relaying to RunningHub)
# in an otherwise empty image.
#
#   docker build -t su-render .
#   docker run --rm -p 8080:8080 su-render --allow-origin https://<user>.github.io
#
# Put it behind your own HTTPS reverse proxy before others use it over a network: the relay
# speaks plain HTTP, and API keys travel in request bodies.
#
# Stage 1 builds exactly what `cargo xtask package` builds on a developer's machine: the pinned
# tools (trunk, wasm-bindgen, binaryen from npm; see ../shared/toolchain.md), the release dist/,
# and the server for x86_64-unknown-linux-musl with dist/ compiled in. Needs BuildKit (the
# default builder since Docker 23) for the cache mount, which keeps the tools, cargo's registry
# and the build between image builds: the first build takes 15-25 minutes on two cores, later
# ones only rebuild what changed.

# Debian 13 (trixie) rather than 12: its nodejs is 20, the major version the pinned binaryen
# (npm) runs on in our builds; bookworm's nodejs 18 was not tried with it.
FROM rust:1.95-trixie AS build

# What the set-up would otherwise install itself with apt-get: node + npm (binaryen comes from
# npm, because Debian's wasm-opt produces broken wasm) and musl-gcc (ring's C code, static).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm musl-tools \
    && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown x86_64-unknown-linux-musl

# Everything cargo and the set-up write goes into the cache mount: installed tools (CARGO_HOME/bin,
# which xtask puts on PATH), the registry, npm's binaryen and target/.
ENV CARGO_HOME=/cache/cargo \
    SU_RENDER_TOOLS=/cache/tools \
    CARGO_TARGET_DIR=/cache/target \
    TRUNK_SKIP_VERSION_CHECK=true

WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/cache \
    rm -rf /cache/target/package \
    && cargo xtask package \
    && cp /cache/target/package/su-render-*-linux-x86_64 /su-render \
    && /su-render --version

# The binary needs nothing from the system: static musl, the app inside it, and the TLS roots
# (webpki-roots) compiled in.
FROM scratch
COPY --from=build /su-render /su-render
# Any unprivileged id: scratch has no user database.
USER 65534:65534
EXPOSE 8080
ENV SU_RENDER_NO_OPEN=1
ENTRYPOINT ["/su-render", "--host", "0.0.0.0", "--no-open"]
