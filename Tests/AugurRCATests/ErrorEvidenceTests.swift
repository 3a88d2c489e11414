import AugurApp
import AugurCore
import AugurLogs
@testable import AugurRCA
import AugurStore
import AugurTestSupport
import Testing

@Suite(.ownThread) struct ErrorEvidenceTests {
    @Test func servicesAreNamedAsWholeWordsOnly() {
        let services: Set = ["cartservice", "ts-order-service", "db"]
        #expect(ErrorEvidence.named(in: "rpc error: connection refused dialing cartservice:7070", among: services) == ["cartservice"])
        #expect(ErrorEvidence.named(in: "GET http://ts-order-service.default.svc/api failed", among: services) == ["ts-order-service"])
        #expect(ErrorEvidence.named(in: "cartservice2 and ts-order-service-v2 are other services", among: services).isEmpty)
        #expect(ErrorEvidence.named(in: "failed at the end: cartservice.", among: services) == ["cartservice"])
        #expect(ErrorEvidence.named(in: "db is down", among: services).isEmpty, "names under 3 characters are not looked for")
    }

    /// Every 5 s a request passes web → orders → stock, each logging a line in one trace. From `t` on,
    /// stock throws on every request and logs the exception; orders and web log errors after it (their
    /// calls failed). No metric moves. Stock is the origin of the errors and ranks first, with the
    /// exception's template in its evidence; web, which logs the most errors, does not.
    @Test func theFirstServiceToLogAnErrorInATraceIsTheSuspect() async throws {
        try await withTestStore { store, _ in
            let t: Int64 = 1_767_225_600_000
            var logs: [LogRecord] = []
            for k in -360..<60 {
                let start = (t + Int64(k) * 5_000) * 1_000_000
                func line(_ ms: Int64, _ service: String, _ text: String) {
                    logs.append(LogRecord(timestampNs: start + ms * 1_000_000, labels: Labels([("service", service)]), line: text, traceId: "trace-\(k)"))
                }
                if k < 0 {
                    line(0, "web", "INFO GET /checkout"); line(3, "orders", "INFO order \(k) placed"); line(6, "stock", "INFO reserved item \(k)")
                } else {
                    line(0, "web", "INFO GET /checkout")
                    line(6, "stock", "ERROR reserve failed: java.lang.IllegalStateException: negative stock for item \(k)")
                    line(8, "orders", "ERROR order \(k) failed: 500 Internal Server Error")
                    line(9, "web", "ERROR checkout failed: 500 from orders")
                    line(10, "web", "ERROR rendering error page for request \(k)")
                }
            }
            _ = try LogPipeline(store: store).ingest(logs)
            let analysis = try RootCauseAnalyzer().analyse(store, atMs: t)
            let top = try #require(analysis.suspects.first)
            #expect(top.service == "stock", "\(analysis.suspects.map { ($0.service, $0.score, $0.evidence.map { ($0.series.name ?? "", $0.score) }) })")
            let origin = try #require(top.evidence.first { $0.series.name == ErrorEvidence.originMetric })
            #expect(origin.series["template"]?.contains("IllegalStateException") == true, "\(origin.series)")
            #expect(origin.score >= RootCauseAnalyzer.clearScore)
            // web's error names orders: evidence about orders, not an origin of web's.
            let orders = analysis.suspects.first { $0.service == "orders" }
            #expect(orders?.evidence.contains { $0.series.name == ErrorEvidence.namedMetric } == true)
            #expect(analysis.windowMs.lowerBound == t && analysis.baselineMs.upperBound == t)
        }
    }

    /// A stack trace sent a line per record (as Docker's JSON log driver does) is stored as one line,
    /// under the first line's template and level; a line that only looks indented after a long pause,
    /// or in another stream, stays its own.
    @Test func aStackTracesLinesAreOneEvent() async throws {
        try await withTestStore { store, _ in
            let ns: Int64 = 1_767_225_600_000_000_000
            let api = Labels([("service", "api")]), worker = Labels([("service", "worker")])
            let records = [
                LogRecord(timestampNs: ns, labels: api, line: "ERROR request failed: java.lang.NullPointerException"),
                LogRecord(timestampNs: ns + 1_000, labels: api, line: "\tat com.example.Api.handle(Api.java:42)"),
                LogRecord(timestampNs: ns + 2_000, labels: worker, line: "  indented, but the first line of its stream"),
                LogRecord(timestampNs: ns + 3_000, labels: api, line: "Caused by: java.io.IOException: closed"),
                LogRecord(timestampNs: ns + 4_000, labels: api, line: "\t... 12 more"),
                LogRecord(timestampNs: ns + 5_000_000_000, labels: api, line: "  five seconds later: its own line"),
            ]
            let report = try LogPipeline(store: store).ingest(records)
            #expect(report.lines == 6)
            let stored = try store.searchLogs(streams: try store.logStreams(matching: nil), search: nil, startNs: ns - 1, endNs: ns + 10_000_000_000, limit: 100)
            #expect(stored.count == 3, "\(stored.map(\.line))")
            let trace = try #require(stored.first { $0.line.hasPrefix("ERROR request failed") })
            #expect(trace.line == "ERROR request failed: java.lang.NullPointerException\n\tat com.example.Api.handle(Api.java:42)\nCaused by: java.io.IOException: closed\n\t... 12 more")
            #expect(trace.level == "error")
        }
    }
}
