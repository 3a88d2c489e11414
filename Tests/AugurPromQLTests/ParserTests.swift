import AugurCore
import AugurPromQL
import AugurTestSupport
import Testing

/// The grammar's corners that the differential test's data does not reach: precedence, literals,
/// durations and the messages of refused expressions.
@Suite struct ParserTests {
    func scalar(_ text: String) throws -> Double {
        guard case .scalar(_, let v) = try Evaluator.instant(try Parser.parse(text), at: 0, read: { _, _, _ in [] }) else {
            throw TestFailure("\(text) is not a scalar")
        }
        return v
    }

    @Test func precedenceAndAssociativityAreRespected() throws {
        #expect(try scalar("1 + 2 * 3") == 7)
        #expect(try scalar("2 ^ 3 ^ 2") == 512)  // right-associative
        #expect(try scalar("-2 ^ 2") == -4)  // unary minus binds below ^
        #expect(try scalar("10 - 4 - 3") == 3)  // left-associative
        #expect(try scalar("(1 + 2) * 3") == 9)
        #expect(try scalar("1 < bool 2 == bool 1") == 1)
        #expect(try scalar("0x1F + 1e1 + .5") == 41.5)
        #expect(try scalar("7 % 4 + 2 atan2 0") == 3 + Double.pi / 2)
        #expect(try scalar("1 # a comment\n + 1") == 2)
        #expect(try scalar("-Inf < bool NaN") == 0)
    }

    @Test func stringsFollowGoQuoting() throws {
        for (text, value) in [(#""a\tb""#, "a\tb"), ("'it''s'", ""), (#"`raw\n`"#, #"raw\n"#), (#""\u00e9\x41""#, "éA")] {
            if text == "'it''s'" { #expect(throws: QueryError.self) { try Parser.parse(text) }; continue }
            guard case .string(_, let s) = try Evaluator.instant(try Parser.parse(text), at: 0, read: { _, _, _ in [] }) else {
                Issue.record("\(text) is not a string"); continue
            }
            #expect(s == value)
        }
    }

    @Test func durationsTakeUnitsLargestFirst() throws {
        guard case .matrix(_, let range) = try Parser.parse("x[1h30m]") else { Issue.record("not a range"); return }
        #expect(range == 5_400_000)
        guard case .matrix(_, let ms) = try Parser.parse("x[1s500ms]") else { Issue.record("not a range"); return }
        #expect(ms == 1500)
        for bad in ["x[5m1h]", "x[1.5m]", "x[5]", "x[0s]", "x[5m:0s]"] {
            #expect(throws: QueryError.self, "\(bad)") { try Parser.parse(bad) }
        }
    }

    @Test func refusalsNameTheConstruct() throws {
        let cases: [(String, String)] = [
            ("sum(up", "expected"),
            ("rate(up)", "expected type range vector in call to function \"rate\""),
            ("nosuch(up)", "unknown function with name \"nosuch\""),
            ("1 > 2", "comparisons between scalars must use BOOL modifier"),
            ("1 and 2", "set operator \"and\" not allowed in binary scalar expression"),
            ("up + on(job) group_left 1", "vector matching only allowed between instant vectors"),
            ("(up)[5m]", "ranges only allowed for vector selectors"),
            ("sum(up) offset 5m", "offset modifier must be preceded by"),
            ("up offset 1m offset 2m", "offset may not be set multiple times"),
            (#"{job=~".*"}"#, "at least one non-empty matcher"),
            ("up{job=\"a\"} and on(job) group_left up", "no grouping allowed for \"and\" operation"),
            ("topk(up, 3)", "expected type instant vector in aggregation expression, got scalar"),
            ("quantile(\"x\", up)", "expected type scalar in aggregation parameter"),
            ("rate(up[5m])[5m]", "ranges only allowed for vector selectors"),
            ("up[5m][10m:1m]", "subquery is only allowed on instant vector"),
            (#"up{job="a",job2}"#, "expected label matching operator"),
        ]
        for (text, message) in cases {
            do {
                _ = try Parser.parse(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.code == .badQuery)
                #expect(error.detail.contains(message), "\(text): \(error.detail)")
            }
        }
    }

    /// A subquery's inner steps are bounded: a huge range at a tiny step is refused at once, and many
    /// moderate ones run into the query's sample budget instead of filling memory.
    @Test func subqueriesCannotRunAway() throws {
        let empty: SeriesReader = { _, _, _ in [] }
        #expect(throws: QueryError.self) { try Evaluator.instant(try Parser.parse("max_over_time(x[100y:1ms])"), at: 0, read: empty) }
        var limits = AugurConfig.Limits()
        limits.maxSamplesPerQuery = 10_000
        #expect(throws: QueryError.self) {
            try Evaluator.range(try Parser.parse("max_over_time(vector(1)[1d:1s])"), startMs: 0, endMs: 60_000, stepMs: 60_000, budget: QueryBudget(limits), read: empty)
        }
    }

    /// Parsing and evaluation recurse: a deep or long expression is refused, not a stack overflow.
    @Test func deepExpressionsAreRefused() throws {
        for text in [String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
                     Array(repeating: "1", count: 50_000).joined(separator: "+"),
                     String(repeating: "-", count: 100_000) + "1",
                     String(repeating: "abs(", count: 10_000) + "up" + String(repeating: ")", count: 10_000)] {
            #expect(throws: QueryError.self) { try Parser.parse(text) }
        }
        #expect(try scalar(Array(repeating: "1", count: 1000).joined(separator: "+")) == 1000)
    }

    @Test func goFloatFormatting() {
        #expect(formatValue(1e-05) == "0.00001")
        #expect(formatValue(1.5e21) == "1500000000000000000000")
        #expect(formatValue(-0.000123) == "-0.000123")
        #expect(formatValue(0.1 + 0.2) == "0.30000000000000004")
        #expect(formatValue(2) == "2")
        #expect(formatValue(.infinity) == "+Inf")
        #expect(formatValue(123456.789) == "123456.789")
    }
}
