import AugurCommandLine
import ArgumentParser
import AugurCore
import AugurStore
import Foundation

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query series straight from the store file (read-only; safe while the server runs).")

    @Argument(help: "A series selector, e.g. 'http_request_duration_seconds{service=\"payment\",quantile=\"0.99\"}'.")
    var selector: String

    @Option(help: "Start time (RFC 3339, Unix time, now, now-30m); default: the end minus 1h.")
    var start: String?

    @Option(help: "End time; default: the newest sample in the store.")
    var end: String?

    @Option(help: "Step (e.g. 1m) for Prometheus-style evaluation; without it the raw samples are printed.")
    var step: String?

    @Flag(help: "Print Prometheus' JSON shape instead of CSV.")
    var json = false

    @OptionGroup var options: StoreOptions

    func run() async throws {
        try await reportingFailures {
            let config = try options.resolve().config
            let store = try Store(path: config.storage.path, readOnly: true)
            let sel = try Selector(parsing: selector)
            func time(_ text: String?, _ fallback: Int64) throws -> Int64 {
                guard let text else { return fallback }
                guard let ms = TimeParsing.commandTimeMs(text, nowMs: WallClock.nowMs()) else { throw QueryError(.badParameter, "\"\(text)\" is not a time (\(TimeParsing.commandTimeForms))") }
                return ms
            }
            let endMs = try time(end, store.stats().newestTs ?? WallClock.nowMs())
            let startMs = try time(start, endMs - 3_600_000)
            let result: [Series]
            if let step {
                guard let stepMs = TimeParsing.durationMs(step), stepMs > 0 else { throw QueryError(.badParameter, "\"\(step)\" is not a step") }
                result = try store.queryRange(sel, startMs: startMs, endMs: endMs, stepMs: stepMs)
            } else {
                result = try store.select(sel, startMs: startMs, endMs: endMs)
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
