import AugurCore
import AugurIngest
@testable import AugurRCA
import AugurTestSupport
import Foundation
import Testing

/// The last-resort call graph: services whose metrics move together.
@Suite(.ownThread) struct CorrelationGraphTests {
    /// Front's traffic flows to cart (a step later) and cart's to db; ads has its own. Each reports
    /// requests and CPU, per pod. Front–cart and cart–db are found, both ways; ads, with nobody. (So is
    /// front–db: correlation cannot tell a call from traffic passed on through another service.)
    @Test func servicesSharingTrafficAreLinked() {
        var rng = SplitMix64(seed: 7)
        var traffic = 100.0, own = 50.0
        var series: [String: [Sample]] = [:]
        var front: [Double] = []
        for k in 0..<300 {
            traffic = max(10, traffic + 5 * rng.nextGaussian())
            own = max(10, own + 5 * rng.nextGaussian())
            front.append(traffic)
            let cart = k > 0 ? 0.8 * front[k - 1] : traffic
            let loads = [("front", traffic), ("cart", cart), ("db", 2 * cart), ("ads", own)]
            for (service, load) in loads {
                for (name, scale) in [("requests_per_second", 1.0), ("cpu_cores", 0.01)] {
                    series["\(service) \(name)", default: []].append(Sample(Int64(k) * 60_000, scale * (load + 0.5 * rng.nextGaussian())))
                }
            }
        }
        let input = series.map { key, samples in
            let parts = key.split(separator: " ").map(String.init)
            return Series(labels: Labels(name: parts[1], ["pod": "\(parts[0])-7d9f8c6b5d-x2k4p"]), samples: samples)
        }
        let edges = GraphLearner.fromCorrelation(input)
        let pairs = Set(edges.map { "\($0.source)>\($0.target)" })
        #expect(pairs.isSuperset(of: ["front>cart", "cart>front", "cart>db", "db>cart"]))
        #expect(!edges.contains { $0.source == "ads" || $0.target == "ads" }, "\(pairs.sorted())")
        #expect(edges.allSatisfy { $0.origin == "correlation" && $0.weight > 0.5 })
        #expect(GraphLearner.fromCorrelation(input.map { Series(labels: $0.labels, samples: Array($0.samples.prefix(20))) }).isEmpty,
                "twenty steps are too few")
    }

    /// On a real system the guess beats chance: Online Boutique's pod metrics of one day against the
    /// calls its dependency.csv lists (14 of the 45 pairs of its 10 services).
    @Test(.enabled(if: sharedData != nil, "../shared/data is absent: Online Boutique graph check skipped"))
    func onlineBoutiqueCallsAreMostlyFound() throws {
        let dir = sharedData! + "/nezha-ob/2022-08-22/metric"
        var series: [Series] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasSuffix("_metric.csv") {
            let bytes = [UInt8](FileManager.default.contents(atPath: dir + "/" + file)!)
            series += try FileImporter.parse(bytes, format: .nezha, file: file)
        }
        let services = Set(series.compactMap { RootCauseAnalyzer.service(of: $0.labels) })
        let dependencies = try String(contentsOfFile: dir + "/dependency.csv", encoding: .utf8)
        let truth = Set(dependencies.split(separator: "\n").dropFirst().compactMap { line -> GraphLearner.Pair? in
            let f = line.split(separator: ",").map(String.init)
            return f.count >= 2 && f[0] != f[1] && services.contains(f[0]) && services.contains(f[1]) ? GraphLearner.Pair(f[0], f[1]) : nil
        })
        #expect(services.count == 10 && truth.count == 14)
        let found = Set(GraphLearner.fromCorrelation(series).map { GraphLearner.Pair($0.source, $0.target) })
        let right = found.intersection(truth).count
        // Chance is 14/45 ≈ 0.31 for either.
        #expect(Double(right) / Double(found.count) >= 0.5, "\(right) of \(found.count) guessed pairs are calls")
        #expect(Double(right) / Double(truth.count) >= 0.5, "\(right) of \(truth.count) calls found")
    }
}
