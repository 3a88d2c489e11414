import AugurCore
import AugurIngest
import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Faults of the machine around Augur: a full disk, a read-only mount, a damaged file, a second server.
/// The disk tests mount a small tmpfs of their own, and say so and skip where the machine does not allow it.
@Suite(.serialized) struct FaultTests {
    /// Runs `body` on a fresh tmpfs of `megabytes`, unmounted after; nil (and a note) when mounting is not allowed.
    func withTmpfs<T>(megabytes: Int, _ body: (String) async throws -> T) async throws -> T? {
        try await withTemporaryDirectory { dir in
            guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", dir]) == 0 else {
                print("FaultTests: cannot mount a tmpfs here (needs root and mount): disk tests skipped")
                return nil
            }
            defer { _ = run("/bin/umount", ["-l", dir]) }
            return try await body(dir)
        }
    }

    @discardableResult
    func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Fills the file system at `dir` to the last byte.
    func fill(_ dir: String) {
        _ = FileManager.default.createFile(atPath: dir + "/filler", contents: nil)
        guard let h = FileHandle(forWritingAtPath: dir + "/filler") else { return }
        let chunk = Data(repeating: 0, count: 64 << 10)
        while (try? h.write(contentsOf: chunk)) != nil {}
        let byte = Data([0])
        while (try? h.write(contentsOf: byte)) != nil {}
        try? h.close()
    }

    @Test func aFullDiskAnswers507KeepsServingReadsAndResumesWrites() async throws {
        _ = try await withTmpfs(megabytes: 6) { dir in
            let path = dir + "/augur.sqlite"
            let nowMs = WallClock.nowMs()
            do {
                let store = try Store(path: path)
                var config = testConfig(path: path)
                config.incidents.rules = []
                try await withTestServer(config: config, store: store) { client in
                    #expect(try await client.post("/api/v1/import/prometheus", Array("up{job=\"a\"} 1 \(nowMs)\n".utf8)).status == 200)
                    self.fill(dir)
                    var full: TestClient.Reply?
                    for k in 0..<200 {
                        let big = (0..<50).map { "up{job=\"b\",k=\"\(k)-\($0)\",pad=\"\(String(repeating: "x", count: 500))\"} 1 \(nowMs)" }.joined(separator: "\n")
                        let r = try await client.post("/api/v1/import/prometheus", Array(big.utf8))
                        if r.status != 200 { full = r; break }
                    }
                    #expect(full?.status == 507, "\(full?.status ?? 0) \(full?.text ?? "never refused")")
                    #expect(full?.header("Retry-After") != nil)
                    #expect(try await client.get("/readyz").text.contains("disk is full"))
                    let read = try await client.get("/api/v1/query?query=\(q("up{job=\"a\"}"))&time=\(nowMs / 1000 + 1)")
                    #expect(read.status == 200 && read.text.contains("\"job\":\"a\""))
                }
            }
            // A restart on the full disk starts (read-only in effect: reads work, writes refused) ...
            let again = try Store(path: path)
            #expect(try again.select(try Selector(parsing: "up{job=\"a\"}"), startMs: .min, endMs: .max).count == 1)
            // ... and writes resume once space frees.
            try FileManager.default.removeItem(atPath: dir + "/filler")
            #expect(try Ingestor(store: again).write([Series(labels: Labels(name: "up", ["job": "c"]), samples: [Sample(nowMs, 1)])]) == 1)
            #expect(!again.diskFull)
        }
    }

    @Test func aReadOnlyMountRefusesTheWriterClearlyAndStillReads() async throws {
        _ = try await withTmpfs(megabytes: 4) { dir in
            let path = dir + "/augur.sqlite"
            do { try Ingestor(store: try Store(path: path)).write([Series(labels: Labels(name: "up"), samples: [Sample(1_700_000_000_000, 1)])]) }
            #expect(run("/bin/mount", ["-o", "remount,ro", dir]) == 0)
            let refusal = #expect(throws: StoreError.self) { try Store(path: path) }
            #expect(refusal?.description.contains("Read-only file system") == true)
            let reader = try Store(path: path, readOnly: true)
            #expect(try reader.select(try Selector(parsing: "up"), startMs: .min, endMs: .max).first?.samples == [Sample(1_700_000_000_000, 1)])
            #expect(Store.check(path: path).problems.isEmpty)
        }
    }

    /// A damaged file is refused at start, and `augur migrate --check` says what is wrong.
    @Test func aDamagedFileIsRefusedAndTheCheckSaysWhy() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/augur.sqlite"
            do {
                let store = try Store(path: path)
                let s = syntheticSeries(Labels(name: "up"), startMs: 1_700_000_000_000, count: 5_000)
                try Ingestor(store: store).write([s])
                try store.compact(force: true)
                try store.checkpoint()
            }
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            for i in stride(from: 16_384 * 2, to: min(bytes.count, 16_384 * 6), by: 7) { bytes[i] ^= 0x5a }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let check = Process()
            check.executableURL = URL(fileURLWithPath: augurExecutable)
            check.arguments = ["migrate", "--check", "--db", path]
            let out = Pipe()
            check.standardOutput = out
            check.standardError = FileHandle.nullDevice
            try check.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            #expect(check.terminationStatus == 65, "\(text)")
            #expect(text.contains("problem:"))
            let opened = Result { try Store(path: path).select(try Selector(parsing: "up"), startMs: .min, endMs: .max) }
            if case .success = opened { Issue.record("a damaged store opened and read without an error") }
        }
    }

    /// Two servers on one file lost acknowledged writes: the second `augur serve` is refused with the first one's PID.
    @Test func aSecondServerOnTheSameFileIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let db = dir + "/augur.sqlite"
            // Listening means the store (and its lock) is open.
            let (first, _) = try await startAugurServe(db: db)
            defer { first.terminate(); first.waitUntilExit() }
            let second = Process()
            second.executableURL = URL(fileURLWithPath: augurExecutable)
            second.arguments = ["serve", "--db", db, "--listen", "127.0.0.1:0"]
            let err = Pipe()
            second.standardError = err
            second.standardOutput = FileHandle.nullDevice
            try second.run()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            second.waitUntilExit()
            #expect(second.terminationStatus != 0)
            #expect(message.contains("PID \(first.processIdentifier)"), "\(message)")
        }
    }
}
