@testable import AugurCore
@testable import AugurLogs
import Testing

@Suite struct ByteRegexTests {
    func matches(_ pattern: String, _ text: String) throws -> String? {
        let r = try ByteRegex(pattern)
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { b in
            r.firstMatch(in: b, scratch: ByteRegex.Scratch()).map { String(decoding: bytes[$0[0]..<$0[1]], as: UTF8.self) }
        }
    }

    @Test func theMaskSyntaxLogPAIUses() throws {
        #expect(try matches("blk_-?\\d+", "Receiving block blk_-1608999687919862906 src") == "blk_-1608999687919862906")
        #expect(try matches("(\\d+\\.){3}\\d+(:\\d+)?", "src: /10.250.19.102:54106 dest") == "10.250.19.102:54106")
        #expect(try matches("\\b[KGTM]?B\\b", "size 12 KB free") == "KB")
        #expect(try matches("([\\w-]+\\.){2,}[\\w-]+", "host mesos-master-1.example.com up") == "mesos-master-1.example.com")
        #expect(try matches("0x.*?\\s", "stack @0x7fed806eb5d @0x1 ") == "0x7fed806eb5d ")
        #expect(try matches("a{2,3}", "caaaab") == "aaa")
        #expect(try matches("a{2,3}?", "caaaab") == "aa")
        #expect(try matches("^x|y$", "axy") == "y")
        #expect(try matches("[^a-c\\d]+", "ab12xyz") == "xyz")
        #expect(try matches("colou?r", "color colour") == "color")
        #expect(try matches("(?:ab)+", "xababab") == "ababab")
        #expect(try matches("\\d+", "none") == nil)
    }

    @Test func capturesAndNamedGroups() throws {
        let r = try ByteRegex("^(?<Date>.*?)\\s+(?<Level>.*?):\\s+(?<Content>.*?)$")
        let text = Array("081109 INFO: PacketResponder 1 terminating".utf8)
        let caps = try #require(text.withUnsafeBufferPointer { r.firstMatch(in: $0, scratch: ByteRegex.Scratch()) })
        func group(_ name: String) -> String { let g = r.names[name]!; return String(decoding: text[caps[2 * g]..<caps[2 * g + 1]], as: UTF8.self) }
        #expect(group("Date") == "081109" && group("Level") == "INFO" && group("Content") == "PacketResponder 1 terminating")
    }

    @Test func pathologicalPatternsStayLinear() throws {
        // (a*)*b on a long run of a's is exponential for a naive backtracker.
        let text = String(repeating: "a", count: 5_000)
        #expect(try matches("(a*)*b", text) == nil)
    }

    @Test func unsupportedSyntaxIsRefusedSoFoundationTakesOver() throws {
        #expect(throws: ByteRegex.Unsupported.self) { try ByteRegex("(?=x)y") }
        #expect(throws: ByteRegex.Unsupported.self) { try ByteRegex("\\p{L}+") }
        let fallback = try LogPattern("(?<=an )error")
        #expect(!fallback.isNative)
        #expect(fallback.firstMatch(Array("an error here".utf8)[...], scratch: ByteRegex.Scratch()).map { [$0[0], $0[1]] } == [3, 8])
        // RE2's flags run natively; a pin (matched on every line) never falls back to a backtracking engine.
        let caseless = try LogPattern("(?i)error")
        #expect(caseless.isNative)
        #expect(caseless.firstMatch(Array("an ERROR here".utf8)[...], scratch: ByteRegex.Scratch()).map { [$0[0], $0[1]] } == [3, 8])
        #expect(throws: LogPattern.Invalid.self) { try LogPattern("(?<=an )error", linearOnly: true) }
    }

    /// Prometheus' matcher semantics (RE2, anchored, UTF-8 characters), in linear time.
    @Test func selectorRegexesFollowRE2() throws {
        func m(_ pattern: String, _ text: String) throws -> Bool {
            try Selector(parsing: "{a=~\"\(pattern)\"}").matchers[0].matches(Labels([("a", text)]))
        }
        #expect(try m("api.*", "api-1"))
        #expect(try !m("api", "api-1"))  // anchored at both ends
        #expect(try m("a|b", "b"))  // ^(?:a|b)$, not ^a|b$
        #expect(try m("^.$", "é"))  // one character, two bytes
        #expect(try m("[^a]", "é"))
        #expect(try !m("..", "é"))
        #expect(try m("(?i)GET", "get"))
        #expect(try m("(?i:a)B", "AB") && !m("(?i:a)B", "Ab"))
        #expect(try !m(".", "\n") && m("(?s).", "\n"))
        #expect(throws: QueryError.self) { try Selector(parsing: "{a=~\"\\\\p{L}\"}") }
        #expect(throws: QueryError.self) { try Selector(parsing: "{a=~\"(a{1000}){1000}\"}") }
        // The round-1 engine took 44 s on this at 20 a's (and would not end at 20,000); linear now.
        #expect(try !m("(a+)+", String(repeating: "a", count: 20_000) + "!"))
    }

    @Test func replacementMasksEveryMatch() throws {
        let r = try ByteRegex("\\d+")
        let out = r.replacingMatches(in: Array("a 1 b 22 c".utf8)[...], with: Array("<*>".utf8), scratch: ByteRegex.Scratch())
        #expect(String(decoding: out, as: UTF8.self) == "a <*> b <*> c")
        let untouched = Array("no digits".utf8)[...]
        #expect(r.replacingMatches(in: untouched, with: Array("<*>".utf8), scratch: ByteRegex.Scratch()) == untouched)
    }
}
