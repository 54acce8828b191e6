#!/usr/bin/env bash
# Regenerates Sources/GRPCAPI/Generated from the .proto files in Sources/GRPCAPI/Proto.
# The output is committed, so a normal build needs neither protoc nor the (slow) protobuf build plugin.
#
# Needs: protoc (Debian: protobuf-compiler) and the two plugins, built once from the same package
# versions Package.swift pins (swift-protobuf 1.39.0, grpc-swift-protobuf 2.4.1):
#   PLUGINS=/tmp/protoc-plugins scripts/generate-grpc.sh
# where $PLUGINS is a scratch SwiftPM package depending on both, built with
#   swift build -c release --product protoc-gen-swift && swift build -c release --product protoc-gen-grpc-swift-2
# (the script builds it there if the binaries are missing).
#
# To refresh the Weaviate .proto files themselves from a newer weaviate-client, render them from the
# client's compiled descriptors and check them field for field:
#   VENV/bin/python scripts/proto-from-client.py Sources/GRPCAPI/Proto/v1
#   VENV/bin/python scripts/proto-from-client.py --verify Sources/GRPCAPI/Proto
set -euo pipefail
cd "$(dirname "$0")/.."
PLUGINS="${PLUGINS:-/tmp/protoc-plugins}"
BIN="$PLUGINS/.build/release"

if [ ! -x "$BIN/protoc-gen-swift" ] || [ ! -x "$BIN/protoc-gen-grpc-swift-2" ]; then
  mkdir -p "$PLUGINS/dummy"
  echo 'print("")' > "$PLUGINS/dummy/main.swift"
  cat > "$PLUGINS/Package.swift" <<'PKG'
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "plugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    ],
    targets: [.executableTarget(name: "dummy", path: "dummy")]
)
PKG
  (cd "$PLUGINS" && swift build -c release --product protoc-gen-swift && swift build -c release --product protoc-gen-grpc-swift-2)
fi

PROTO=Sources/GRPCAPI/Proto
OUT=Sources/GRPCAPI/Generated
rm -rf "$OUT" && mkdir -p "$OUT"
FILES=$(cd "$PROTO" && find . -name '*.proto' | sed 's|^\./||' | sort)
# Internal visibility: only GRPCAPI (and its tests, through @testable) sees the messages.
# PathToUnderscores: v1/base.proto → v1_base.pb.swift, so names cannot collide across folders.
(cd "$PROTO" && protoc -I. \
  --plugin=protoc-gen-swift="$BIN/protoc-gen-swift" \
  --swift_out="../Generated" --swift_opt=Visibility=Internal,FileNaming=PathToUnderscores \
  --plugin=protoc-gen-grpc-swift="$BIN/protoc-gen-grpc-swift-2" \
  --grpc-swift_out="../Generated" \
  --grpc-swift_opt=Visibility=Internal,FileNaming=PathToUnderscores,Server=true,Client=false \
  $FILES)
# protoc-gen-grpc-swift-2 writes a header-only file for every .proto without a service: drop those.
grep -L "ServiceProtocol" "$OUT"/*.grpc.swift | xargs -r rm -f
ls "$OUT"
