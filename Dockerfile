# vouch: the pipeline (`vouch process`) and the API (`vouch serve`) in one
# image, built in two stages on Debian 12: the first compiles with the -dev
# packages, the second carries only the binary, the runtime libraries and the
# entrypoint, and runs as the unprivileged user vouch (uid and gid 10001).
# docker-compose.yml runs it as `processing` and `api`.
#
#   docker build --network host -t vouch:latest .
#
# --network host lets apt-get reach the mirror on engines without NAT (it
# changes nothing elsewhere); docker-compose.yml builds the same way when the
# image is missing.  The build context is CMakeLists.txt, cmake/, src/ and two
# scripts (.dockerignore): tests/ and fuzz/ are not built (VOUCH_BUILD_TESTS).

FROM debian:bookworm-slim AS build
# The build packages are scripts/deps.sh's `build` list, the one a developer
# installs: a library is added or dropped there, for both.
COPY scripts/deps.sh /usr/local/bin/vouch-deps
RUN vouch-deps build && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY src src
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOUCH_BUILD_TESTS=OFF \
	&& cmake --build build -j"$(nproc)" --target vouch \
	&& strip build/vouch \
	&& build/vouch --version
# The runtime packages are the ones that ship the libraries the binary links.
RUN for lib in $(readelf -d build/vouch | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do \
		dpkg -S "*/$lib" | cut -d: -f1; \
	done | sort -u >build/runtime-packages \
	&& echo "runtime packages:" $(cat build/runtime-packages)

FROM debian:bookworm-slim
COPY --from=build /src/build/runtime-packages /tmp/runtime-packages
# The group first, so that it gets gid 10001 (not a system gid); both ids are
# above SYS_UID_MAX, so they are not --system.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends $(cat /tmp/runtime-packages) \
	&& rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
	&& groupadd --gid 10001 vouch \
	&& useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --no-log-init vouch \
	&& mkdir -p /data/raw /data/segments \
	&& chown vouch:vouch /data/segments
COPY --from=build /src/build/vouch /usr/local/bin/vouch
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# Fails the build when a library is missing.
RUN vouch --version
USER 10001:10001
WORKDIR /data
ENV VOUCH_HOST=0.0.0.0 VOUCH_PORT=8000
EXPOSE 8000
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["vouch", "--help"]
