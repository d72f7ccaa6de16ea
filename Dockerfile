# syntax=docker/dockerfile:1

# Build stage: a static binary (CGO off), so the runtime image needs no libc.
FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first: this layer is cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/uniflow ./cmd/uniflow

# Runtime stage: distroless static, non-root. No shell and no tzdata are
# needed: the binary embeds the zone database (time/tzdata in main.go) and
# distroless ships CA certificates for api.telegram.org.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/uniflow /usr/local/bin/uniflow
USER nonroot:nonroot
# In a container the HTTP server must listen beyond loopback to be reached.
ENV HTTP_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/uniflow"]
CMD ["run"]
