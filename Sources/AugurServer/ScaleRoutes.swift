import AugurApp
import AugurCore
import AugurScaling
import AugurStore
import Foundation
import Hummingbird

/// The recommendations: KEDA's metrics-api body per workload, and every decision with its inputs.
struct ScaleRoutes: Sendable {
    let board: ScaleBoard
    let store: Store

    func register(on router: ScopedRouter) {
        router.get("/api/v1/scale", .read) { _, _ in
            var items: [String] = []
            for key in board.keys {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                if let (w, d) = try? board.current(namespace: parts[0], workload: parts[1]) { items.append(ScaleJSON.current(w, d)) }
            }
            return json("{\"status\":\"success\",\"data\":[\(items.joined(separator: ","))]}")
        }
        router.get("/api/v1/scale/:namespace/:workload", .read) { _, context in
            let (w, d) = try board.current(namespace: try context.parameters.require("namespace"), workload: try context.parameters.require("workload"))
            return json(ScaleJSON.current(w, d))
        }
        router.get("/api/v1/scale/:namespace/:workload/history", .read) { request, context in
            try await history(request, namespace: try context.parameters.require("namespace"), name: try context.parameters.require("workload"))
        }
    }

    private func history(_ request: Request, namespace: String, name: String) async throws -> Response {
        let w = try board.workload(namespace: namespace, name: name)
        let q = request.uri.queryParameters
        let endMs = try q["end"].map { try time(String($0), "end") } ?? WallClock.nowMs()
        let startMs = try q["start"].map { try time(String($0), "start") } ?? endMs - 2 * 86_400_000
        guard startMs <= endMs else { throw QueryError(.badParameter, "start must not be after end") }
        let rows = try await WorkLane.store.run { [store] in try store.scaleDecisions(namespace: w.namespace, workload: w.name, startMs: startMs, endMs: endMs) }
        var backtest = "null"
        if let (hpa, augur) = try await WorkLane.compute.run({ try board.comparison(namespace: namespace, name: name, startMs: startMs, endMs: endMs, decisions: rows) }) {
            func score(_ s: HPASimulation.Score) -> String {
                "{\"pod_hours\":\(ScaleDecision.number(s.podHours)),\"under_provisioned_minutes\":\(s.badMinutes),\"under_provisioned_share\":\(ScaleDecision.number(s.underProvisionedShare)),\"scaling_actions\":\(s.scalingActions)}"
            }
            backtest = "{\"reactive_hpa\":\(score(hpa)),\"augur_with_hpa\":\(score(augur)),\"note\":\"the HPA replayed on the load of this range (sync 15 s, tolerance 0.1, 5 min stabilisation, metric 30 s old, pods ready after start-up) alone and with these decisions as an External metric\"}"
        }
        let decisions = rows.map(\.detail).joined(separator: ",")
        // The budget the headroom is chosen within, and how much of it the last week used.
        let budget = w.quantile != nil ? "null"
            : "{\"limit\":\(JSONText.string(w.budget.text)),\"description\":\(JSONText.string(w.budget.description)),\"window_seconds\":\(ScaleDecision.number(BudgetedHeadroom.week)),\"used_ratio\":\(ScaleDecision.number((try? board.current(namespace: namespace, workload: name))?.1.budgetUsed))}"
        return json("{\"status\":\"success\",\"data\":{\"namespace\":\(JSONText.string(w.namespace)),\"workload\":\(JSONText.string(w.name)),\"budget\":\(budget),\"start\":\(ScaleDecision.jsonTime(Double(startMs) / 1000)),\"end\":\(ScaleDecision.jsonTime(Double(endMs) / 1000)),\"backtest\":\(backtest),\"decisions\":[\(decisions)]}}")
    }

    private func time(_ text: String, _ name: String) throws -> Int64 {
        guard let ms = TimeParsing.timestampMs(text) else { throw QueryError(.badParameter, "\(name) \(text) is not a time (RFC 3339 or unix)") }
        return ms
    }
}
