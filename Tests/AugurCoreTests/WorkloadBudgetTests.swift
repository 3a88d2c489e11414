import AugurCore
import Foundation
import Testing

/// `budget:` in `workloads:` takes every form of a budget, defaults to 1.1, and cannot sit beside a
/// fixed `quantile:` (one fixes the headroom, the other chooses it).
@Suite struct WorkloadBudgetTests {
    func workload(_ extra: String) throws -> AugurConfig.Workload {
        try JSONDecoder().decode(AugurConfig.Workload.self, from: Data("{\"namespace\":\"shop\",\"name\":\"web\",\"load\":\"x\"\(extra)}".utf8))
    }

    @Test func budgetsAreReadInEveryForm() throws {
        #expect(try workload("").budget == .standard && workload("").quantile == nil)
        #expect(try workload(",\"budget\":1.25").budget == .relative(1.25))
        #expect(try workload(",\"budget\":\"500 pod-hours\"").budget == .podHours(500))
        #expect(try workload(",\"budget\":\"none\"").budget == .unlimited)
        #expect(try workload(",\"quantile\":0.95").quantile == 0.95)
        #expect(throws: DecodingError.self) { try workload(",\"budget\":\"cheap\"") }
        #expect(throws: DecodingError.self) { try workload(",\"budget\":1.1,\"quantile\":0.9") }
    }
}
