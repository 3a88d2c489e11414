package import AugurCore
import AugurForecast
package import AugurRCA
package import AugurStore
import Synchronization

// What root-cause analysis and graph learning read from the store; the analyses themselves take values.

extension RootCauseAnalyzer {
    /// Reads what analyses at the times in `times` look at.
    package func gather(_ store: Store, times: ClosedRange<Int64>) throws(StoreError) -> RCAInput {
        let (first, last) = (times.lowerBound, times.upperBound)
        let every = try! Selector(parsing: #"{__name__=~".+",period=""}"#)
        var series = try store.select(every, startMs: first - beforeMs, endMs: last + afterMs)
        let widest = widestWindows(series)
        if widest != (afterMs, beforeMs) { series = try store.select(every, startMs: first - widest.1, endMs: last + widest.0) }
        var normal: [Labels: [Double]] = [:]
        for s in try store.select(try! Selector(parsing: #"{period="normal"}"#), startMs: .min, endMs: .max) {
            normal[Labels(s.labels.dictionary.filter { $0.key != "period" }.map { ($0.key, $0.value) })] = s.samples.map(\.value)
        }
        let expectations = try SavedExpectations.candidates(store, series: Set(series.map(\.labels)), beforeMs: last)
        let services = try TraceReads.streamServices(store)
        let logFrom = first - handoffBaselineMs, logTo = last + afterMs
        let (fromNs, toNs) = (TimeParsing.nsClamped(ms: logFrom), TimeParsing.nsClamped(ms: logTo))
        let traced = try TraceReads.lines(store, services: services, startMs: logFrom, endMs: logTo, limit: handoffLineLimit)
        let errors = try store.errorLines(startNs: fromNs, endNs: toNs, limit: Self.errorLineLimit).compactMap { l in services[l.streamId].map { (line: l, service: $0) } }
        let logged = errors.isEmpty ? [] : try store.select(try! Selector(parsing: #"{__name__="augur_log_lines_total"}"#), startMs: logFrom, endMs: logTo)
        let texts = errors.isEmpty ? [:] : Dictionary(try store.logTemplates().map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
        return RCAInput(times: times, series: series, normal: normal, expectations: expectations, edges: try store.edges(),
                        tracedLines: traced, errorLines: errors, logServices: Set(services.values), logged: logged, templateTexts: texts,
                        changes: try store.changes(fromMs: first - changeLookbackMs, toMs: last + afterMs))
    }

    /// Suspects at `atMs`, most likely first. `symptoms`: services where the problem was seen (an
    /// alert's); a change then counts only on a service they reach along the call graph.
    package func rank(_ store: Store, atMs t: Int64, symptoms: [String] = []) throws(StoreError) -> [Suspect] {
        try analyse(store, atMs: t, symptoms: symptoms).suspects
    }

    /// `rank`, with what the analysis looked at.
    package func analyse(_ store: Store, atMs t: Int64, symptoms: [String] = []) throws(StoreError) -> Analysis {
        analyse(try gather(store, times: t...t), atMs: t, symptoms: symptoms)
    }
}

/// What the trusted saved models expected, as RCA scores against it.
enum SavedExpectations {
    /// Model files parsed once per version (path and creation time).
    static let loaded = Mutex<[String: (createdMs: Int64, model: SavedModel?)]>([:])

    /// The saved model at `path`, parsed once per version.
    static func model(_ path: String, createdMs: Int64) -> SavedModel? {
        if let cached = loaded.withLock({ $0[path] }), cached.createdMs == createdMs { return cached.model }
        let model = try? SavedModel.load(path)
        loaded.withLock { $0[path] = (createdMs, model) }
        return model
    }

    /// The trusted models of `series` trained before `beforeMs` whose files parse, per series in the
    /// registry's order.
    static func candidates(_ store: Store, series: Set<Labels>, beforeMs: Int64) throws(StoreError) -> [Labels: [ForecastSurprise]] {
        let z = ForecastSurprise.z
        var out: [Labels: [ForecastSurprise]] = [:]
        for m in try store.registeredModels() where m.trusted && m.trainedToMs < beforeMs && series.contains(m.series) {
            guard let saved = model(m.path, createdMs: m.createdMs),
                  let (level, widths) = saved.halfWidths.filter({ z[$0.key] != nil }).max(by: { Double($0.key)! < Double($1.key)! }),
                  let forecast = try? saved.forecast() else { continue }
            out[m.series, default: []].append(ForecastSurprise(
                trainedToMs: m.trainedToMs, coversToMs: saved.trainedToMs + Int64(saved.horizon) * saved.stepMs,
                originMs: saved.trainedToMs, stepMs: saved.stepMs, point: forecast.point, sigma: widths.map { max($0 / z[level]!, 1e-9) }))
        }
        return out
    }
}

/// Log lines that carry trace ids, with their stream's service.
package enum TraceReads {
    /// The store's newest `limit` lines that carry a trace id in `[startMs, endMs]`, oldest first, each
    /// with the service its stream belongs to (lines of streams that name no service are left out).
    package static func lines(_ store: Store, startMs: Int64, endMs: Int64, limit: Int) throws(StoreError) -> [(traceId: String, timestampNs: Int64, service: String)] {
        try lines(store, services: try streamServices(store), startMs: startMs, endMs: endMs, limit: limit)
    }

    /// The same, with the streams' services already read (`streamServices`).
    static func lines(_ store: Store, services: [Int64: String], startMs: Int64, endMs: Int64, limit: Int) throws(StoreError) -> [(traceId: String, timestampNs: Int64, service: String)] {
        try store.tracedLines(startNs: TimeParsing.nsClamped(ms: startMs), endNs: TimeParsing.nsClamped(ms: endMs), limit: limit).compactMap { l in
            services[l.streamId].map { (l.traceId, l.timestampNs, $0) }
        }
    }

    /// The service each log stream belongs to (streams that name none are left out).
    static func streamServices(_ store: Store) throws(StoreError) -> [Int64: String] {
        try store.logStreams(matching: nil).compactMapValues { ServiceNaming.service(of: $0) }
    }
}

extension GraphLearner {
    /// The graph from the first source that gives one: call-level metric labels, else trace ids in
    /// the logs of `[startMs, endMs]`, else the metrics that moved together in it (`correlation`, possibly empty).
    package static func learn(_ store: Store, startMs: Int64, endMs: Int64) throws(StoreError) -> (origin: String, edges: [GraphEdge]) {
        let calls = fromMetricLabels(store)
        if !calls.isEmpty { return ("metrics", calls) }
        let traces = fromTraces(try TraceReads.lines(store, startMs: startMs, endMs: endMs, limit: 200_000))
        if !traces.isEmpty { return ("traces", traces) }
        return ("correlation", try fromCorrelation(store, startMs: startMs, endMs: endMs))
    }

    /// `fromMetricLabels` over every stored series.
    package static func fromMetricLabels(_ store: Store) -> [GraphEdge] {
        fromMetricLabels(store.series(matching: [try! Selector(parsing: #"{__name__=~".+"}"#)]))
    }

    /// `fromCorrelation` over the store's metrics in `[startMs, endMs]` (reference periods left out):
    /// only the metric names that two services or more report are read, at most `maxSeries` series
    /// (names reported by the most services first), so a large store costs a bounded read.
    package static func fromCorrelation(_ store: Store, startMs: Int64, endMs: Int64, maxSeries: Int = 5_000) throws(StoreError) -> [GraphEdge] {
        var services: [String: Set<String>] = [:], counts: [String: Int] = [:]
        for labels in store.series(matching: [try! Selector(parsing: #"{__name__=~".+",period=""}"#)], startMs: startMs, endMs: endMs) {
            guard let name = labels.name, !name.hasPrefix("augur_"), let service = RootCauseAnalyzer.service(of: labels) else { continue }
            services[name, default: []].insert(service)
            counts[name, default: 0] += 1
        }
        var series: [Series] = []
        for (name, reporters) in services.sorted(by: { ($0.value.count, $1.key) > ($1.value.count, $0.key) }) where reporters.count >= 2 {
            guard series.count + counts[name]! <= maxSeries,
                  let selector = try? Selector(parsing: "{__name__=\"\(name)\",period=\"\"}") else { continue }
            series += try store.select(selector, startMs: startMs, endMs: endMs)
        }
        return fromCorrelation(series)
    }
}
