import AugurCore
import AugurScaling
import Foundation

/// JSON of recommendations: the KEDA metrics-api body, the stored inputs of a decision.
enum ScaleJSON {
    static func number(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "null" }
        return String(format: "%.6g", x)
    }

    static func time(_ seconds: Double) -> String {
        JSONText.string(Date(timeIntervalSince1970: seconds).formatted(.iso8601))
    }

    /// Everything a decision was computed from (stored per decision, listed by the history route).
    static func inputs(_ d: ScaleDecision) -> String {
        var forecast = "null"
        if let b = d.bound {
            forecast = "{\"point\":\(number(b.point)),\"upper\":\(number(b.upper)),\"quantile\":\(number(d.quantile)),\"model\":\(JSONText.string(b.model)),\"calibrated\":\(b.calibrated),\"fallback\":\(b.fallback.map(JSONText.string) ?? "null")}"
        }
        return "{\"time\":\(time(d.time)),\"replicas\":\(d.replicas),\"desired\":\(d.desired),\"forecast_replicas\":\(d.forecastReplicas.map(String.init) ?? "null"),\"reactive_replicas\":\(d.reactiveReplicas),\"observed_load\":\(number(d.observedLoad)),\"forecast\":\(forecast),\"lead_seconds\":\(number(d.leadSeconds)),\"capacity_per_pod\":\(number(d.capacity)),\"signal\":\(JSONText.string(d.signal.rawValue)),\"reason\":\(JSONText.string(d.reason))}"
    }

    /// The KEDA metrics-api scaler body: `valueLocation: replicas` (an AverageValue target of 1 makes
    /// the HPA want exactly this many pods).
    static func current(_ w: AugurConfig.Workload, _ d: ScaleDecision) -> String {
        "{\"namespace\":\(JSONText.string(w.namespace)),\"workload\":\(JSONText.string(w.name)),\"replicas\":\(d.replicas),\"signal\":\(JSONText.string(d.signal.rawValue)),\"reason\":\(JSONText.string(d.reason)),\"decision\":\(inputs(d))}"
    }
}
