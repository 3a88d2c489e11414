import AugurCore
@testable import AugurStore
import AugurTestSupport
import Foundation
import Testing

/// Full-text search answers from blocks of lines and rechecks each line: its answers must be exactly
/// what a per-line FTS5 index would give, for every operator, across blocks, streams and windows.
@Suite(.ownThread) struct LogSearchTests {
    static let vocabulary = ["alpha", "alpine", "beta", "gamma", "delta", "omega", "kappa", "sigma"]
    static let t0: Int64 = 1_767_225_600_000_000_000

    /// Two streams, 900 lines each, written in interleaved batches; every line a few random words
    /// and a number, one second apart (unique times).
    static func lines() -> [(stream: String, ts: Int64, words: [String])] {
        var rng = SplitMix64(seed: 7)
        return (0..<1800).map { i in
            let words = (0..<Int.random(in: 3...7, using: &rng)).map { _ in vocabulary.randomElement(using: &rng)! }
            return (i % 3 == 0 ? "cart" : "payment", t0 + Int64(i) * 1_000_000_000, words + ["n\(i)"])
        }
    }

    func store(_ store: Store, _ lines: [(stream: String, ts: Int64, words: [String])]) throws {
        for start in stride(from: 0, to: lines.count, by: 250) {
            let batch = lines[start..<min(start + 250, lines.count)].map { l in
                MinedLogLine(record: LogRecord(timestampNs: l.ts, labels: Labels([("service", l.stream)]), line: l.words.joined(separator: " ")),
                             service: l.stream, templateId: 1, level: "info")
            }
            _ = try store.writeLogs(batch, templates: [], counts: [:], knownTemplates: 0)
        }
    }

    @Test func blockSearchEqualsLineByLineMatching() async throws {
        let lines = Self.lines()
        func has(_ w: [String], _ x: String) -> Bool { w.contains(x) }
        func adjacent(_ w: [String], _ a: String, _ b: String) -> Bool { zip(w, w.dropFirst()).contains { $0 == a && $1 == b } }
        func near(_ w: [String], _ a: String, _ b: String, _ n: Int) -> Bool {
            let i = w.indices.filter { w[$0] == a }, j = w.indices.filter { w[$0] == b }
            return i.contains { x in j.contains { y in x != y && abs(x - y) - 1 <= n } }
        }
        let cases: [(String, ([String]) -> Bool)] = [
            ("alpha", { has($0, "alpha") }),
            ("\"alpha beta\"", { adjacent($0, "alpha", "beta") }),
            ("alpha + beta + gamma", { w in zip(w, zip(w.dropFirst(), w.dropFirst(2))).contains { $0 == "alpha" && $1.0 == "beta" && $1.1 == "gamma" } }),
            ("alpha NOT beta", { has($0, "alpha") && !has($0, "beta") }),
            ("(alpha OR omega) NOT (gamma OR delta)", { (has($0, "alpha") || has($0, "omega")) && !has($0, "gamma") && !has($0, "delta") }),
            ("^gamma", { $0.first == "gamma" }),
            ("NEAR(alpha omega, 1)", { near($0, "alpha", "omega", 1) }),
            ("alp*", { $0.contains { $0.hasPrefix("alp") } }),
            ("line:kappa sigma", { has($0, "kappa") && has($0, "sigma") }),
            ("n1234", { has($0, "n1234") }),
        ]
        try await withTestStore { store, _ in
            try self.store(store, lines)
            let all = try store.logStreams(matching: nil)
            let cart = all.filter { $0.value["service"] == "cart" }
            let end = Self.t0 + 1800 * 1_000_000_000
            for (query, truth) in cases {
                #expect(store.logSearchProblem(query) == nil, "\(query)")
                let expected = lines.filter { truth($0.words) }.map { $0.words.joined(separator: " ") }
                let got = try store.searchLogs(streams: all, search: query, startNs: Self.t0, endNs: end, limit: 10_000).map(\.line)
                let exact = got == Array(expected.reversed())
                #expect(exact, "\(query): \(got.count) lines, expected \(expected.count)")

                // Newest first under a limit, one stream, a window with inclusive ends.
                let (from, to) = (Self.t0 + 300 * 1_000_000_000, Self.t0 + 1200 * 1_000_000_000)
                let windowed = lines.filter { $0.stream == "cart" && $0.ts >= from && $0.ts <= to && truth($0.words) }
                let newest = try store.searchLogs(streams: cart, search: query, startNs: from, endNs: to, limit: 5)
                let newestFirst = newest.map(\.line) == windowed.suffix(5).reversed().map { $0.words.joined(separator: " ") }
                #expect(newestFirst, "\(query) in the window: \(newest.map(\.line))")
            }
            // Without a search: the window's lines, newest first.
            let plain = try store.searchLogs(streams: cart, search: nil, startNs: Self.t0, endNs: Self.t0 + 9_000_000_000, limit: 100)
            #expect(plain.map(\.timestampNs) == [9, 6, 3, 0].map { Self.t0 + $0 * 1_000_000_000 })
            #expect(store.logSearchProblem("\"unbalanced") != nil)
        }
    }

    @Test func blockQueriesOnlyWiden() {
        #expect(BlockQuery.relaxed("\"alpha beta\"") == "(\"alpha\" AND \"beta\")")
        #expect(BlockQuery.relaxed("a NOT b") == "\"a\"")
        #expect(BlockQuery.relaxed("a NOT (b OR c) d") == "\"a\" \"d\"")
        #expect(BlockQuery.relaxed("{line}: ^blk_42*") == "(\"blk\" AND \"42\"*)")
        #expect(BlockQuery.relaxed("NEAR(a b, 3) OR c") == "(\"a\" AND \"b\") OR \"c\"")
        #expect(BlockQuery.relaxed("\"!!\"") == nil)
        #expect(BlockQuery.relaxed("a ~ b") == nil)
    }
}
