// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "augur",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "augur", targets: ["augur"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // System libraries, installed by apt (see README).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLAPACKE", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        .target(name: "AugurCore", swiftSettings: swiftSettings),
        .target(name: "AugurStore", dependencies: ["AugurCore", "CSQLite"], swiftSettings: swiftSettings),
        .target(name: "AugurIngest", dependencies: ["AugurCore", "AugurStore", "CSnappy", "CZlib"], swiftSettings: swiftSettings),
        .target(name: "AugurDemo", dependencies: ["AugurCore"], swiftSettings: swiftSettings),
        .target(name: "CLSTMCell"),
        // BLAS/LAPACK and the regular grid every numeric analysis starts from (forecasting and RCA share it).
        .target(name: "AugurNumerics", dependencies: ["AugurCore", "CLAPACKE"], swiftSettings: swiftSettings),
        .target(name: "AugurForecast", dependencies: ["AugurCore", "AugurNumerics", "CLAPACKE", "CLSTMCell"], swiftSettings: swiftSettings),
        .target(name: "AugurLogs", dependencies: ["AugurCore"], swiftSettings: swiftSettings),
        // PromQL: a parser and an evaluator over series read through a closure (the store or a remote source).
        .target(name: "AugurPromQL", dependencies: ["AugurCore"], swiftSettings: swiftSettings),
        .target(name: "AugurRCA", dependencies: ["AugurCore", "AugurNumerics"], swiftSettings: swiftSettings),
        .target(name: "AugurReports", dependencies: ["AugurNumerics", "AugurCore", "AugurForecast", "AugurRCA", "AugurLogs"], swiftSettings: swiftSettings),
        .target(name: "AugurScaling", dependencies: ["AugurCore", "AugurForecast"], swiftSettings: swiftSettings),
        // The app layer: the one place where the store meets the analyses (no HTTP here).
        .target(
            name: "AugurApp",
            dependencies: [
                "AugurNumerics", "AugurCore", "AugurStore", "AugurIngest", "AugurDemo", "AugurForecast", "AugurLogs", "AugurPromQL", "AugurRCA", "AugurScaling", "AugurReports",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AugurServer",
            dependencies: [
                "AugurCore", "AugurStore", "AugurIngest", "AugurNumerics", "AugurForecast", "AugurLogs", "AugurPromQL", "AugurRCA", "AugurScaling", "AugurReports", "AugurApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["KEDA/externalscaler.proto"],
            swiftSettings: swiftSettings
        ),
        // What the two executables share: how a domain error becomes a message and an exit code.
        .target(
            name: "AugurCommandLine",
            dependencies: [
                "AugurCore", "AugurStore", "AugurIngest", "AugurNumerics", "AugurForecast", "AugurLogs", "AugurScaling", "AugurReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "augur",
            dependencies: [
                "AugurCore", "AugurStore", "AugurPromQL", "AugurApp", "AugurServer", "AugurCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),

        // The benchmarks: a binary of their own, so that the product ships none of their code.
        .executableTarget(
            name: "augur-bench",
            dependencies: ["AugurNumerics", 
                "AugurCore", "AugurStore", "AugurIngest", "AugurForecast", "AugurLogs", "AugurScaling", "AugurApp", "AugurServer",
                "AugurCommandLine", "AugurTestSupport", "CSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/augur-bench",
            swiftSettings: swiftSettings
        ),

        // libFuzzer harness for the wire decoders (scripts/fuzz); without -DFUZZING it replays a corpus.
        .executableTarget(name: "augur-fuzz", dependencies: ["AugurCore", "AugurIngest"], swiftSettings: swiftSettings),

        .target(
            name: "AugurTestSupport",
            dependencies: [
                "AugurCore", "AugurStore", "AugurIngest", "AugurServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/AugurTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AugurCoreTests", dependencies: ["AugurCore"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurPromQLTests", dependencies: ["AugurPromQL", "AugurIngest", "AugurStore", "AugurTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurStoreTests", dependencies: ["AugurStore", "AugurTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurForecastTests", dependencies: ["AugurNumerics", "AugurForecast", "AugurTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurLogsTests", dependencies: ["AugurLogs", "AugurApp", "AugurIngest", "AugurTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurRCATests", dependencies: ["AugurNumerics", "AugurRCA", "AugurApp", "AugurForecast", "AugurLogs", "AugurIngest", "AugurTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurScalingTests", dependencies: ["AugurScaling", "AugurTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurIngestTests", dependencies: ["AugurIngest", "AugurTestSupport", "AugurDemo"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AugurServerTests",
            dependencies: [
                "AugurServer", "AugurApp", "AugurIngest", "AugurTestSupport", "augur",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
