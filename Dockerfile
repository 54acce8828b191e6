# Iris in a container: the server with CLIP in-process. Build: docker build -t iris .
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      libopenblas-dev libjpeg-dev libpng-dev libgif-dev libwebp-dev libsqlite3-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY bench ./bench
COPY Tests ./Tests
RUN swift build -c release --product iris && cp .build/release/iris /usr/local/bin/iris

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libopenblas0-pthread libjpeg62-turbo libpng16-16 libgif7 libwebp7 libwebpdemux2 libsqlite3-0 zlib1g \
      libcurl4 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/share/swift/usr/lib/swift/linux/*.so /usr/lib/swift/linux/
COPY --from=build /usr/local/bin/iris /usr/local/bin/iris
ENV LD_LIBRARY_PATH=/usr/lib/swift/linux PERSISTENCE_DATA_PATH=/var/lib/iris
EXPOSE 8080 50051
VOLUME /var/lib/iris
ENTRYPOINT ["iris"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--scheme", "http"]
