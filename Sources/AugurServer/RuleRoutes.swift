import AugurCore
import AugurReports
import Hummingbird
import Synchronization

/// The rules' state after each evaluation, for `/api/v1/rules` and `/api/v1/alerts`: written by the
/// rule service, read by the routes.
final class RuleStatus: Sendable {
    struct State: Sendable {
        var active: [String: AlertmanagerPayload.Alert] = [:]
        var lastEvaluationMs: Int64?
        var seconds = 0.0
        var error: String?
    }

    private let state = Mutex(State())

    func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
    var current: State { state.withLock { $0 } }
}

/// Prometheus' rules and alerts API over Augur's rules (one group, evaluated every `rule_interval`).
struct RuleRoutes: Sendable {
    let config: AugurConfig.Incidents
    let status: RuleStatus

    func register(on router: ScopedRouter) {
        router.get("/api/v1/rules", .read) { request, _ in
            let type = request.uri.queryParameters.get("type")
            guard type == nil || type == "alert" || type == "record" else {
                throw QueryError(.badParameter, "type=\"\(type!.prefix(40))\" must be alert or record")
            }
            return json(PrometheusJSON.success("{\"groups\":[\(group(type))]}"))
        }
        router.get("/api/v1/alerts", .read) { _, _ in
            json(PrometheusJSON.success("{\"alerts\":[" + status.current.active.values.sorted { $0.fingerprint < $1.fingerprint }.map(alert).joined(separator: ",") + "]}"))
        }
    }

    private func alert(_ a: AlertmanagerPayload.Alert) -> String {
        "{\"labels\":\(JSONText.object(a.labels)),\"annotations\":\(JSONText.object(a.annotations)),\"state\":\"firing\",\"activeAt\":\(PrometheusJSON.string(TimeParsing.rfc3339(a.startsMs)))}"
    }

    private func group(_ type: String?) -> String {
        let s = status.current
        let health = s.lastEvaluationMs == nil ? "unknown" : (s.error == nil ? "ok" : "err")
        let common = "\"health\":\"\(health)\",\"lastError\":\(PrometheusJSON.string(s.error ?? "")),\"evaluationTime\":\(s.seconds),\"lastEvaluation\":\(PrometheusJSON.string(s.lastEvaluationMs.map(TimeParsing.rfc3339) ?? "0001-01-01T00:00:00Z"))"
        var rules: [String] = []
        if type != "record" {
            for r in config.rules {
                let alerts = s.active.values.filter { $0.labels["alertname"] == r.name }.sorted { $0.fingerprint < $1.fingerprint }
                rules.append("{\"type\":\"alerting\",\"name\":\(PrometheusJSON.string(r.name)),\"query\":\(PrometheusJSON.string(r.expr)),\"duration\":\(r.forDuration.ms / 1000),\"keepFiringFor\":\(r.keepFiringFor.ms / 1000),\"labels\":\(JSONText.object(r.labels)),\"annotations\":\(JSONText.object(r.annotations)),\"alerts\":[\(alerts.map(alert).joined(separator: ","))],\"state\":\"\(alerts.isEmpty ? "inactive" : "firing")\",\(common)}")
            }
        }
        if type != "alert" {
            for r in config.recordingRules {
                rules.append("{\"type\":\"recording\",\"name\":\(PrometheusJSON.string(r.record)),\"query\":\(PrometheusJSON.string(r.expr)),\"labels\":\(JSONText.object(r.labels)),\(common)}")
            }
        }
        return "{\"name\":\"augur\",\"file\":\"\",\"interval\":\(config.ruleInterval.ms / 1000),\"rules\":[\(rules.joined(separator: ","))],\"evaluationTime\":\(s.seconds),\"lastEvaluation\":\(PrometheusJSON.string(s.lastEvaluationMs.map(TimeParsing.rfc3339) ?? "0001-01-01T00:00:00Z"))}"
    }
}
