# vouch: the pipeline (`vouch process`) and the API (`vouch serve`) in one
# image.  Built in two stages on Debian 12: the first compiles with the -dev
# packages, the second carries only the binary and the runtime libraries and
# runs as an unprivileged user.  docker-compose.yml runs it as `processing`
# and `api`.
#
# (No Docker engine runs where vouch is developed: tests/integration/
# t0710-compose.sh checks that these package names exist in Debian 12 and
# that docker-compose.yml's commands work against a local build, but this
# image itself has not been built there.)

FROM debian:bookworm-slim AS build
RUN apt-get update \
	&& apt-get install -y --no-install-recommends gcc libc6-dev make cmake pkg-config \
		libdeflate-dev zlib1g-dev libcjson-dev libssl-dev libsnappy-dev libzstd-dev \
		liblz4-dev libbrotli-dev libmicrohttpd-dev libhiredis-dev libcmocka-dev \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
# tests/ only because CMakeLists.txt configures it; just the binary is built.
COPY CMakeLists.txt ./
COPY cmake cmake
COPY src src
COPY tests tests
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	&& cmake --build build -j"$(nproc)" --target vouch \
	&& strip build/vouch \
	&& build/vouch --version

FROM debian:bookworm-slim
RUN apt-get update \
	&& apt-get install -y --no-install-recommends libdeflate0 zlib1g libcjson1 libssl3 \
		libsnappy1v5 libzstd1 liblz4-1 libbrotli1 libmicrohttpd12 libhiredis0.14 \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10001 --user-group --no-create-home \
		--shell /usr/sbin/nologin vouch \
	&& mkdir -p /data/raw /data/segments \
	&& chown vouch:vouch /data/segments
COPY --from=build /src/build/vouch /usr/local/bin/vouch
USER vouch
WORKDIR /data
ENV VOUCH_HOST=0.0.0.0 VOUCH_PORT=8000
EXPOSE 8000
CMD ["vouch", "--help"]
