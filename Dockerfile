# The provider as a container image: built in a Rust image, run from a small non-root one.
#   docker build -t provider .
#   docker run -p 3000:3000 -v provider-data:/data provider
# ci/test.sh checks that the build command below is the README's (tests/container.rs).

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p provider
# Volume mount points owned by the runtime user: a new volume takes the ownership it finds here.
RUN mkdir -p /out/data /out/keys && chown 65532:65532 /out/data /out/keys

# distroless/cc: glibc and CA certificates, no shell, no package manager; user 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/provider /usr/local/bin/provider
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/keys /keys
# The demo users and clients; mount your own over them, or set OP_CLIENTS_FILE and OP_USERS_FILE.
COPY --from=build /src/fixtures/users.json /src/fixtures/clients.json /etc/provider/
ENV OP_ADDRESS=0.0.0.0 \
    OP_PORT=3000 \
    OP_ISSUER=http://localhost:3000 \
    OP_STORAGE=sqlite:/data/provider.db \
    OP_KEYS__FILE=/data/keys.json \
    OP_CLIENTS_FILE=/etc/provider/clients.json \
    OP_USERS_FILE=/etc/provider/users.json \
    OP_LOG__FORMAT=json
# The SQLite database and the generated signing keys.
VOLUME ["/data"]
USER nonroot
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/provider", "health"]
ENTRYPOINT ["/usr/local/bin/provider"]
CMD ["serve"]
