import AugurApp
import AugurCore
import AugurScaling

/// JSON of recommendations: the KEDA metrics-api body.
enum ScaleJSON {
    /// The KEDA metrics-api scaler body: `valueLocation: replicas` (an AverageValue target of 1 makes
    /// the HPA want exactly this many pods).
    static func current(_ w: AugurConfig.Workload, _ d: ScaleDecision) -> String {
        "{\"namespace\":\(JSONText.string(w.namespace)),\"workload\":\(JSONText.string(w.name)),\"replicas\":\(d.replicas),\"signal\":\(JSONText.string(d.signal.rawValue)),\"reason\":\(JSONText.string(d.reason)),\"decision\":\(d.inputsJSON)}"
    }
}
