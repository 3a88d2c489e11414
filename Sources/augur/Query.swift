import AugurApp
import AugurCommandLine
import ArgumentParser
import AugurCore
import AugurPromQL
import AugurStore
import Foundation

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query series straight from the store file with PromQL (read-only; safe while the server runs).")

    @Argument(help: "A PromQL expression, e.g. 'sum by (service) (rate(http_requests_total[5m]))'; a bare selector without --step prints the raw samples.")
    var selector: String

    @Option(help: "Start time (RFC 3339, Unix time, now, now-30m); default: the end minus 1h.")
    var start: String?

    @Option(help: "End time; default: the newest sample in the store.")
    var end: String?

    @Option(help: "Step (e.g. 1m) for a range query; without it a selector prints its raw samples and any other expression is evaluated at the end time.")
    var step: String?

    @Flag(help: "Print Prometheus' JSON shape instead of CSV.")
    var json = false

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            let config = try options.resolve().config
            let store = try Store(path: config.storage.path, readOnly: true)
            let expr = try Parser.parse(selector)
            func time(_ text: String?, _ fallback: Int64) throws -> Int64 {
                guard let text else { return fallback }
                guard let ms = TimeParsing.commandTimeMs(text, nowMs: WallClock.nowMs()) else { throw QueryError(.badParameter, "\"\(text)\" is not a time (\(TimeParsing.commandTimeForms))") }
                return ms
            }
            let endMs = try time(end, store.stats().newestTs ?? WallClock.nowMs())
            let startMs = try time(start, endMs - 3_600_000)
            let read = store.seriesReader
            let result: [Series]
            if let step {
                guard let stepMs = TimeParsing.durationMs(step), stepMs > 0 else { throw QueryError(.badParameter, "\"\(step)\" is not a step") }
                try Store.checkRange(startMs: startMs, endMs: endMs, stepMs: stepMs, maxPoints: config.limits.maxPointsPerSeries)
                result = try Evaluator.range(expr, startMs: startMs, endMs: endMs, stepMs: stepMs, read: read)
            } else if case .vector(let vs) = expr {
                result = try store.select(vs.selector, startMs: startMs, endMs: endMs).map { s in
                    Series(labels: s.labels, samples: s.samples.filter { !StaleMarker.isStale($0.value) })
                }
            } else {
                switch try Evaluator.instant(expr, at: endMs, read: read) {
                case .scalar(let t, let v): result = [Series(labels: Labels([]), samples: [Sample(t, v)])]
                case .string(_, let s): throw QueryError(.badParameter, "the expression is the string \"\(s)\", not a series")
                case .vector(let v): result = v.map { Series(labels: $0.labels, samples: [Sample($0.timestampMs, $0.value)]) }
                case .matrix(let m): result = m
                }
            }
            if json {
                let items = result.map { s in
                    "{\"metric\":" + JSONText.object(s.labels) + ",\"values\":["
                        + s.samples.map { "[\(Double($0.timestampMs) / 1000),\"\($0.value)\"]" }.joined(separator: ",") + "]}"
                }
                print("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" + items.joined(separator: ",") + "]}}")
            } else {
                print("timestamp,series,value")
                for s in result {
                    let name = "\"" + s.labels.description.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    for p in s.samples { print("\(TimeParsing.rfc3339(p.timestampMs)),\(name),\(p.value)") }
                }
            }
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the store or bring its schema up to date.")

    @OptionGroup var options: StoreOptions

    @Flag(help: "Check the store read-only instead (SQLite's check, migrations, every series, head-log row and chunk) and say what is wrong.")
    var check = false

    func run() async throws {
        try await reportingFailures {
            let config = try options.resolve().config
            if check {
                let (problems, notes) = Store.check(path: config.storage.path)
                for n in notes { print("note: \(n)") }
                for p in problems { print("problem: \(p)") }
                if !problems.isEmpty { fail("store \(config.storage.path) has \(problems.count) problems", code: 65) }
                print("store \(config.storage.path) is sound")
                return
            }
            let store = try Store(path: config.storage.path)
            print("store \(store.path) is up to date: \(store.stats().series) series")
        }
    }
}
