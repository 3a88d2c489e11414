import AsyncHTTPClient
import NIOCore
import NIOHTTP1
package import AugurCore
package import AugurServer
package import AugurStore
package import Foundation
import Logging

/// A fresh directory under the system temp dir, removed after `body`.
package func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let dir = NSTemporaryDirectory() + "augur-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

/// A migrated store in a fresh file.
package func withTestStore<T>(_ body: (Store, String) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { dir in
        let store = try Store(path: dir + "/augur.sqlite")
        return try await body(store, dir + "/augur.sqlite")
    }
}

/// Configuration for tests: loopback, port 0 (the OS picks), the given store file.
package func testConfig(path: String) -> AugurConfig {
    var config = AugurConfig()
    config.server.listen = "127.0.0.1:0"
    config.storage.path = path
    config.storage.compactInterval = ConfigDuration(ms: 200)
    return config
}

/// The real application on a loopback port with a real HTTP client; stopped after `body`.
package func withTestServer<T: Sendable>(
    config: AugurConfig? = nil,
    store: Store,
    routes: RouteList = RouteList(),
    _ body: @escaping @Sendable (TestClient) async throws -> T
) async throws -> T {
    let config = config ?? testConfig(path: store.path)
    let logger = { var l = Logger(label: "augur-test"); l.logLevel = .warning; return l }()
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    return try await runUntilDone(AugurApplication.serviceGroup(config: config, store: store, logger: logger, routes: routes) { continuation.yield($0) }) {
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("server did not report a port") }
        return try await body(TestClient(port: port))
    }
}

/// As `withTestServer`, with the KEDA external scaler's gRPC port as well (set `scaling.grpc_listen`).
package func withTestServerAndScaler<T: Sendable>(
    config: AugurConfig,
    store: Store,
    _ body: @escaping @Sendable (TestClient, Int) async throws -> T
) async throws -> T {
    let logger = { var l = Logger(label: "augur-test"); l.logLevel = .warning; return l }()
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let (scalerPorts, scalerContinuation) = AsyncStream.makeStream(of: Int.self)
    let group = try AugurApplication.serviceGroup(config: config, store: store, logger: logger,
                                                  onBound: { continuation.yield($0) }, onScalerBound: { scalerContinuation.yield($0) })
    return try await runUntilDone(group) {
        var iterator = ports.makeAsyncIterator(), scalerIterator = scalerPorts.makeAsyncIterator()
        guard let port = await iterator.next(), let scalerPort = await scalerIterator.next() else { throw TestFailure("server did not report its ports") }
        return try await body(TestClient(port: port), scalerPort)
    }
}

package struct TestFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ d: String) { description = d }
}

/// A small client over AsyncHTTPClient for loopback tests.
package struct TestClient: Sendable {
    package let port: Int
    package var base: String { "http://127.0.0.1:\(port)" }

    package init(port: Int) { self.port = port }

    package struct Reply: Sendable {
        package let status: Int
        package let headers: [(String, String)]
        package let body: [UInt8]

        package var text: String { String(decoding: body, as: UTF8.self) }
        package func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        package var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    /// A client that hands back redirects instead of following them (the login's 303, its cookie).
    static let direct = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(redirectConfiguration: .disallow))

    package func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil, timeout: Int64 = 90,
                         followRedirects: Bool = true) async throws -> Reply {
        // Foundation's URL refuses raw brackets in a query, and the client would then escape every '%' again.
        var req = HTTPClientRequest(url: base + path.replacingOccurrences(of: "[]=", with: "%5B%5D="))
        req.method = .init(rawValue: method)
        for (k, v) in headers { req.headers.add(name: k, value: v) }
        if let body { req.body = .bytes(body) }
        // A guard against a hung server, not a latency check: in the parallel debug suite on two cores a
        // request can wait long for a core.
        let response = try await (followRedirects ? HTTPClient.shared : Self.direct).execute(req, timeout: .seconds(timeout))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Array(bytes.readableBytesView))
    }

    package func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request("GET", path, headers: headers)
    }

    package func post(_ path: String, _ body: [UInt8], headers: [String: String] = [:]) async throws -> Reply {
        try await request("POST", path, headers: headers, body: body)
    }
}

/// Query-string escaping for selectors.
package func q(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
}

/// `../shared/data` beside the repository, when present (CI); nil on a user's machine.
package let sharedData: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let dir = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
    return FileManager.default.fileExists(atPath: dir) ? dir : nil
}()

/// The repository root.
package let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The built `augur` executable next to the test bundle.
package var augurExecutable: String {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("augur").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    return repositoryRoot + "/.build/debug/augur"
}

/// A seeded series: trend + daily season + noise, one sample per `stepMs`.
package func syntheticSeries(_ labels: Labels, startMs: Int64, count: Int, stepMs: Int64 = 15_000, seed: UInt64 = 1) -> Series {
    var rng = SplitMix64(seed: seed)
    let samples = (0..<count).map { k in
        let t = startMs + Int64(k) * stepMs
        let v = 100 + 0.01 * Double(k) + 20 * sin(Double(t) / 86_400_000 * 2 * .pi) + rng.nextGaussian()
        return Sample(t, (v * 100).rounded() / 100)
    }
    return Series(labels: labels, samples: samples)
}

/// Starts the built `augur serve` on `db` and a free port; returns the process and the port it logged.
package func startAugurServe(db: String) async throws -> (Process, Int) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: augurExecutable)
    p.arguments = ["serve", "--db", db, "--listen", "127.0.0.1:0"]
    let pipe = Pipe()
    p.standardError = pipe
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let port = try await Task.detached { () -> Int in
        var text = ""
        while let chunk = try pipe.fileHandleForReading.read(upToCount: 1), !chunk.isEmpty {
            text += String(decoding: chunk, as: UTF8.self)
            if let r = text.range(of: "augur.port="), let end = text[r.upperBound...].firstIndex(where: { !$0.isNumber }) {
                return Int(text[r.upperBound..<end]) ?? 0
            }
        }
        throw TestFailure("augur exited before listening: \(text)")
    }.value
    return (p, port)
}

/// A loopback TCP port no one listens on now (for a child process that needs its port up front).
package func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw TestFailure("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs a test's own blocking work (a program to its end, seconds of data generation) on a test lane,
/// off Swift's cooperative pool and off Augur's lanes: a client such as promtool calls back into the
/// test's server, whose handlers need that pool (two blocked threads are all of a two-core machine's),
/// and Augur's lanes are shared by every test server in the process, so a test's set-up there makes
/// other tests' requests wait behind it.
package func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await testLane.run(body)
}

/// Runs a program to its end, off the cooperative pool (see `offPool`).
package func runProcess(_ path: String, _ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
    try await offPool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Both pipes are read while it runs: a full pipe would stop it.
        let errors = StderrBox(), done = DispatchSemaphore(value: 0)
        Thread {
            errors.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        done.wait()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errors.data, as: UTF8.self))
    }
}

private let testLane = WorkLane(name: "augur.test-lane", width: 4)

/// Written by the reading thread before it signals, read after the wait.
private final class StderrBox: @unchecked Sendable { var data = Data() }
