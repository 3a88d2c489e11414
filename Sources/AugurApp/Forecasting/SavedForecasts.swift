package import AugurCore
import AugurForecast
package import AugurStore
import Synchronization

/// The saved models' forecasts as series, so a Grafana Prometheus data source can chart actual vs
/// forecast: `augur_forecast{<the series' labels>, metric="<its name>", quantile="0.5"|"0.025"|…, model=…, trusted=…}`.
package final class SavedForecasts: Sendable {
    package static let metricName = "augur_forecast"
    let store: Store
    /// Parsed model files by path, kept while their registry row is unchanged.
    private let cache = Mutex<[String: (createdMs: Int64, series: [Series])]>([:])

    package init(store: Store) { self.store = store }

    /// Every saved forecast series matching `selector` (which names `augur_forecast`).
    package func series(matching selector: Selector) throws -> [Series] {
        var out: [Series] = []
        for model in try store.registeredModels() {
            let cached = cache.withLock { $0[model.path] }
            let series: [Series]
            if let cached, cached.createdMs == model.createdMs {
                series = cached.series
            } else {
                guard let saved = try? SavedModel.load(model.path) else { continue }
                series = try Self.series(saved)
                cache.withLock { $0[model.path] = (model.createdMs, series) }
            }
            out += series.filter { selector.matches($0.labels) }
        }
        return out
    }

    static func series(_ saved: SavedModel) throws -> [Series] {
        let (point, intervals) = try saved.forecast()
        var base = saved.series
        base["metric"] = base.removeValue(forKey: Labels.metricName)
        base["model"] = saved.kind.rawValue
        base["trusted"] = String(saved.trusted)
        // Quantiles are never whole numbers here, so Swift's shortest form is Prometheus' own.
        func make(_ quantile: Double, _ values: [Double]) -> Series {
            let labels = Labels(name: metricName, base.merging(["quantile": String(quantile)]) { a, _ in a })
            return Series(labels: labels, samples: values.enumerated().map { Sample(saved.trainedToMs + Int64($0.offset + 1) * saved.stepMs, $0.element) })
        }
        var out = [make(0.5, point)]
        for (level, band) in intervals {
            guard let percent = Double(level) else { continue }
            let tail = ((100 - percent) / 200 * 10_000).rounded() / 10_000
            out.append(make(tail, band.lower))
            out.append(make(1 - tail, band.upper))
        }
        return out
    }
}
