// swift-tools-version:6.0
// Iris: a multimodal vector database that speaks Weaviate's REST and GraphQL APIs (1.19 behaviour) and its gRPC API.
// One target per module; see docs/architecture.md for how they fit together.
import PackageDescription

// No target is built with -Ounchecked: it strips bounds and overflow checks, so in code that reads bytes
// from users or files (images, tokenizer and model files, snapshots) a missed check becomes memory
// corruption instead of a trap. Measured without it (fuzz/README.md): bench-clip within noise, bench-ann
// +3% instructions at 512-d and no wall-time difference beyond noise. Add it back to a target only if
// a benchmark shows it matters AND the target reads no untrusted input, with the numbers in a comment.

let package = Package(
    name: "Iris",
    platforms: [.macOS(.v15)],  // grpc-swift-2 needs macOS 15
    products: [
        .executable(name: "iris", targets: ["iris"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL.git", from: "4.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // gRPC (GRPCAPI). The generated code in Sources/GRPCAPI/Generated is committed (scripts/generate-grpc.sh),
        // so no protoc build plugin runs here.
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        // PostgreSQL + pgvector as a storage engine (issue #12, PostgresStore).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // HTTP client of `iris import` (Hummingbird's tests resolve it already).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // MARK: Vector search
        .target(name: "CDistances", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "VectorIndex", dependencies: ["CDistances"], swiftSettings: [.swiftLanguageMode(.v6)]),

        // MARK: JSON: the one value type, parser and escaper (no Foundation; reads untrusted input, so plain -O)
        .target(name: "JSON", swiftSettings: [.swiftLanguageMode(.v6)]),

        // MARK: CLIP engine (no HTTP): tokenizers, images, transformer
        .target(name: "Tokenizers", dependencies: ["JSON"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(
            name: "CImageCodecs",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png"), .linkedLibrary("gif"),
                             .linkedLibrary("webp"), .linkedLibrary("webpdemux"), .linkedLibrary("z")]
        ),
        .target(name: "ImageProcessing", dependencies: ["CImageCodecs"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .target(name: "CTensorKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Hashing", swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(name: "ModelFormats", dependencies: ["JSON"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(name: "ModelHub", dependencies: ["Hashing", "ModelFormats"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(
            name: "CLIPEngine",
            dependencies: ["Tokenizers", "ImageProcessing", "COpenBLAS", "CTensorKernels", "ModelFormats"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // MARK: Database
        .target(name: "Storage", dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        // PostgreSQL + pgvector: tables, rows and kNN for the PostgreSQL engine (docs/design/postgres-backend.md).
        .target(name: "PostgresStore", dependencies: [.product(name: "PostgresNIO", package: "postgres-nio"),
                                                      .product(name: "Logging", package: "swift-log")],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        // libphonenumber's parse, validity and formats for the phoneNumber property (generated metadata).
        .target(name: "PhoneNumbers", swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(
            name: "Database",
            dependencies: ["JSON", "PhoneNumbers", "Storage", "PostgresStore", "VectorIndex", .product(name: "Logging", package: "swift-log")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // MARK: APIs
        // API-key authentication and the admin list, shared by the REST and gRPC servers.
        .target(name: "Auth", dependencies: ["Hashing"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(
            name: "RESTAPI",
            dependencies: [
                "Auth", "Database", "Hashing", "JSON", "ImageProcessing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The web console (/console/): plain files compiled into the binary, no bundle beside it.
            resources: ["index.html", "console.css", "app.js", "api.js", "dom.js", "schema.js", "collections.js",
                        "search.js", "detail.js", "import.js", "query.js"].map { .embedInCode("Console/Files/\($0)") },
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(name: "GraphQLAPI", dependencies: ["Database", "JSON", .product(name: "GraphQL", package: "GraphQL")],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(
            name: "GRPCAPI",
            dependencies: [
                "Auth", "Database", "JSON",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Proto"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(name: "InferenceAPI", dependencies: ["CLIPEngine", .product(name: "Hummingbird", package: "hummingbird")],
                swiftSettings: [.swiftLanguageMode(.v6)]),
        .target(name: "Multi2VecCLIP", dependencies: [
            "Database", "CLIPEngine",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ], swiftSettings: [.swiftLanguageMode(.v6)]),

        // MARK: The binary
        .executableTarget(
            name: "iris",
            dependencies: [
                "RESTAPI", "GraphQLAPI", "GRPCAPI", "InferenceAPI", "Multi2VecCLIP", "ModelHub", "Hashing", "JSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // MARK: Benchmark drivers (run by the scripts in bench/)
        .executableTarget(name: "bench-ann", dependencies: ["VectorIndex"], path: "bench/ann/driver"),
        .executableTarget(name: "bench-clip", dependencies: ["CLIPEngine", "COpenBLAS", "CTensorKernels"], path: "bench/clip/driver"),
        .executableTarget(name: "bench-json", dependencies: ["JSON"], path: "bench/json/driver"),
        .executableTarget(name: "bench-store", dependencies: ["Database"], path: "bench/import/driver"),

        // MARK: Tests
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "VectorIndexTests", dependencies: ["VectorIndex"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers"]),
        .testTarget(name: "ImageProcessingTests", dependencies: ["ImageProcessing", "Hashing"]),
        .testTarget(name: "CLIPEngineTests", dependencies: ["CLIPEngine", "ModelFormats"], exclude: ["make_reference_models.py"]),
        .testTarget(name: "ModelHubTests", dependencies: ["ModelHub", "Hashing", "ModelFormats"]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"]),
        .testTarget(name: "PhoneNumbersTests", dependencies: ["PhoneNumbers"], exclude: ["Goldens.json"],
                    swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "DatabaseTests", dependencies: ["Database", "PostgresStore"]),
        .testTarget(name: "PostgresStoreTests", dependencies: ["PostgresStore"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "GraphQLAPITests", dependencies: ["GraphQLAPI"]),
        .testTarget(name: "GRPCAPITests", dependencies: ["GRPCAPI", "Database"], swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(name: "RESTAPITests", dependencies: ["RESTAPI", "Database", .product(name: "Hummingbird", package: "hummingbird")]),
    ],
    swiftLanguageModes: [.v5]
)

// MARK: Fuzzing (fuzz/README.md, fuzz/run.sh)
// One libFuzzer executable, declared only when IRIS_FUZZ=1 so that `swift build` / `swift test` never see
// it: it links only with -sanitize=fuzzer (fuzz/run.sh has the command).
if Context.environment["IRIS_FUZZ"] == "1" {
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "fuzz/Sources/CLibFuzzer"),
        .executableTarget(
            name: "iris-fuzz",
            dependencies: ["CLibFuzzer", "ImageProcessing", "Tokenizers", "ModelFormats", "Database", "GraphQLAPI"],
            path: "fuzz/Sources/IrisFuzz"
        ),
    ]
}
