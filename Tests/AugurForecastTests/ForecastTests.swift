import AugurCore
import AugurNumerics
@testable import AugurForecast
import AugurTestSupport
import Foundation
import Testing

@Suite struct BLASTests {
    @Test func gemmMatchesHandProduct() {
        // A (2×3) · B (3×2), column-major.
        let a: [Double] = [1, 4, 2, 5, 3, 6], b: [Double] = [7, 9, 11, 8, 10, 12]
        var c = [Double](repeating: 0, count: 4)
        BLAS.gemm(a, b, &c, m: 2, n: 2, k: 3)
        #expect(c == [58, 139, 64, 154])
    }

    @Test func leastSquaresRecoversALine() throws {
        let n = 50
        var design = [Double](repeating: 1, count: 2 * n)
        for t in 0..<n { design[n + t] = Double(t) }
        let y = (0..<n).map { 3 + 0.5 * Double($0) }
        let x = try BLAS.leastSquares(design, rows: n, cols: 2, y)
        #expect(abs(x[0] - 3) < 1e-9 && abs(x[1] - 0.5) < 1e-9)
    }

    @Test func choleskySolves() throws {
        let a: [Double] = [4, 2, 2, 3]
        let x = try BLAS.solveSymmetricPositive(a, n: 2, [10, 8], columns: 1)
        #expect(abs(x[0] - 1.75) < 1e-12 && abs(x[1] - 1.5) < 1e-12)
        #expect(throws: ForecastError.self) { try BLAS.solveSymmetricPositive([1, 2, 2, 1], n: 2, [1, 1], columns: 1) }
    }
}

@Suite(.ownThread) struct ModelTests {
    static func seasonal(_ n: Int, m: Int = 24, trend: Double = 0, noise: Double = 0, seed: UInt64 = 3) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { t in 100 + trend * Double(t) + 20 * sin(2 * .pi * Double(t % m) / Double(m)) + noise * rng.nextGaussian() }
    }

    @Test func constantSeriesForecastsFlat() throws {
        let y = [Double](repeating: 42, count: 300)
        for kind in [ModelKind.snaive, .naive2, .theta, .ets, .mstl] {
            let f = try ForecastEngine.forecaster(kind)!.forecast(y, horizon: 12, period: 24)
            #expect(f.allSatisfy { abs($0 - 42) < 1e-6 }, "\(kind): \(f)")
        }
    }

    @Test func pureSeasonIsRepeated() throws {
        let y = Self.seasonal(240)
        let truth = Array(Self.seasonal(288).suffix(48))
        for kind in [ModelKind.snaive, .naive2, .ets, .mstl] {
            let f = try ForecastEngine.forecaster(kind)!.forecast(y, horizon: 48, period: 24)
            let mae = zip(f, truth).reduce(0) { $0 + abs($1.0 - $1.1) } / 48
            #expect(mae < 0.5, "\(kind) MAE \(mae)")
        }
    }

    @Test func trendIsFollowed() throws {
        let y = (0..<200).map { 10 + 2 * Double($0) }
        for kind in [ModelKind.theta, .ets] {
            let f = try ForecastEngine.forecaster(kind)!.forecast(y, horizon: 10, period: 1)
            // Theta halves the trend by design (the θ=0 line and SES average); ETS follows it.
            let expectedSlope = kind == .theta ? 1.0 : 2.0
            #expect(abs((f[9] - f[0]) / 9 - expectedSlope) < 0.2, "\(kind): \(f)")
        }
    }

    @Test func levelShiftIsFollowedNotAveraged() throws {
        let y = (0..<200).map { $0 < 150 ? 10.0 : 50.0 }
        let r = try ForecastEngine().forecast(y, horizon: 5, period: 1, model: nil, levels: [0.95])
        #expect(r.point.allSatisfy { abs($0 - 50) < 2 }, "\(r.model): \(r.point)")
    }

    /// A request rate falling towards zero: the forecast and its band stay at or above zero, where the
    /// quantity lives; a series that went negative keeps its negative band.
    @Test func quantitiesThatCannotBeNegativeStayAtOrAboveZero() throws {
        var rng = SplitMix64(seed: 3)
        let falling = (0..<200).map { t in max(0, 40 - 0.2 * Double(t) + 2 * rng.nextGaussian()) }
        let r = try ForecastEngine().forecast(falling, horizon: 24, period: 1, model: nil, levels: [0.95])
        #expect(r.point.allSatisfy { $0 >= 0 } && r.intervals[0.95]!.lower.allSatisfy { $0 >= 0 }, "\(r.point) \(r.intervals[0.95]!.lower)")
        #expect(r.intervals[0.95]!.lower.contains(0), "the band reaches the floor")
        let signed = falling.map { $0 - 5 }
        let s = try ForecastEngine().forecast(signed, horizon: 24, period: 1, model: nil, levels: [0.95])
        #expect(s.intervals[0.95]!.lower.contains { $0 < 0 })
    }

    @Test func stlResistsAnOutlier() {
        var y: [Double] = (0..<480).map { t in 50 + 10 * sin(2 * Double.pi * Double(t % 24) / 24) }
        y[300] += 500
        let d = STL.decompose(y, period: 24)
        #expect(d.remainder[300] > 450)
        #expect(abs(d.seasonal[300 - 24] - d.seasonal[300]) < 1)
    }

    @Test func mstlSeparatesTwoSeasons() throws {
        func twoSeasons(_ t: Int) -> Double {
            let daily: Double = 10 * sin(2 * Double.pi * Double(t % 24) / 24)
            let weekly: Double = 5 * sin(2 * Double.pi * Double(t % 168) / 168)
            return 50 + daily + weekly
        }
        let y: [Double] = (0..<672).map(twoSeasons)
        let d = STL.decompose(y, periods: [24, 168])
        let daily = d.seasonals[24]!
        #expect(abs((daily[6] - daily[18]) - 20) < 2)
        let truth: [Double] = (672..<720).map(twoSeasons)
        let f = try MSTLForecaster(extraPeriods: [168]).forecast(y, horizon: 48, period: 24)
        var mae = 0.0
        for h in 0..<48 { mae += abs(f[h] - truth[h]) / 48 }
        #expect(mae < 1, "MAE \(mae)")
    }

    @Test func seasonalityTestAndDetection() {
        #expect(Seasonality.isSeasonal(Self.seasonal(240, noise: 2), period: 24))
        var rng = SplitMix64(seed: 9)
        let noise = (0..<240).map { _ in rng.nextGaussian() }
        #expect(!Seasonality.isSeasonal(noise, period: 24))
        #expect(Seasonality.detectPeriod(Self.seasonal(500, m: 12, noise: 1), candidates: [12, 24, 168]) == 12)
        // A daily cycle sampled each minute: persistence keeps r₆₀ near 1, but the cycle is the day.
        let minutes = (0..<(4 * 1440)).map { 100 + 40 * sin(2 * Double.pi * Double($0) / 1440) + 2 * rng.nextGaussian() }
        #expect(Seasonality.detectPeriod(minutes, candidates: Regularize.candidatePeriods(stepMs: 60_000)) == 1440)
        // Persistence without any cycle: no candidate is a peak, yet the test passes; the most
        // pronounced candidate is still offered, for the backtest to keep or reject.
        var level = 0.0
        let wander = (0..<2000).map { _ in level = 0.995 * level + rng.nextGaussian(); return level }
        #expect(Seasonality.detectPeriod(wander, candidates: [12, 24]) == 12)
    }

    @Test func tooShortAndBadInputAreRefused() {
        #expect(throws: ForecastError.self) { try ForecastEngine().forecast([1], horizon: 3, period: 1, model: nil, levels: [0.95]) }
        #expect(throws: ForecastError.self) { try ForecastEngine().forecast([1, .nan, 3], horizon: 3, period: 1, model: nil, levels: [0.95]) }
        #expect(throws: ForecastError.self) { try SeasonalNaive().forecast([1, 2], horizon: 3, period: 24) }
    }
}

@Suite(.ownThread) struct EngineTests {
    @Test func autoChoosesByBacktestAndIntervalsWidenWithLevel() throws {
        let y = ModelTests.seasonal(600, trend: 0.05, noise: 3)
        let r = try ForecastEngine().forecast(y, horizon: 24, period: 24, model: nil, levels: [0.8, 0.95])
        #expect(r.point.count == 24)
        #expect(!r.backtestMASE.isEmpty)
        #expect(r.backtestMASE[r.model] == r.backtestMASE.values.min())
        let (l80, u80) = r.intervals[0.8]!, (l95, u95) = r.intervals[0.95]!
        for h in 0..<24 {
            #expect(l95[h] <= l80[h] && l80[h] <= r.point[h] && r.point[h] <= u80[h] && u80[h] <= u95[h])
        }
    }

    /// The ensemble is the median (with two members, the mean) of the two best single models by backtest.
    @Test func ensembleCombinesTheBestTwoByBacktest() throws {
        let y = ModelTests.seasonal(600, trend: 0.05, noise: 3)
        let r = try ForecastEngine().forecast(y, horizon: 24, period: 24, model: .ensemble, levels: [0.95])
        let singles = r.backtestMASE.filter { $0.key != .ensemble }.sorted { $0.value < $1.value }.map(\.key)
        #expect(r.model == .ensemble && r.backtestMASE[.ensemble] != nil && singles.count >= 4)
        let best = try singles.prefix(2).map { try ForecastEngine().forecast(y, horizon: 24, period: 24, model: $0, levels: [0.95]).point }
        #expect(zip(r.point, zip(best[0], best[1])).allSatisfy { abs($0 - ($1.0 + $1.1) / 2) < 1e-9 })
        guard case .ensemble(let members) = r.fitted else { Issue.record("not an ensemble state"); return }
        #expect(members.count == 2)
    }

    @Test func globalModelLearnsASharedShape() throws {
        // Many series share one daily shape at different levels; the pooled model must forecast it.
        let series = (0..<40).map { i in ModelTests.seasonal(400, noise: 1, seed: UInt64(i)).map { $0 * Double(1 + i % 5) } }
        let model = try GlobalAR.train(series.map { Array($0.dropLast(24)) }, horizon: 24, inputLengths: [48, 168]) { $0.count }
        var mase = 0.0
        for s in series {
            let f = try model.forecast(Array(s.dropLast(24)))
            let scale = ForecastEngine.naiveScale(Array(s.dropLast(24)), 24)
            mase += zip(f, s.suffix(24)).reduce(0) { $0 + abs($1.0 - $1.1) } / 24 / scale
        }
        #expect(mase / Double(series.count) < 1)
    }
}

/// The engine on real series from ../shared/data (skipped where it is absent).
@Suite(.ownThread, .enabled(if: sharedData != nil, "../shared/data is absent: real-series forecast tests skipped"))
struct RealSeriesForecastTests {
    @Test func m4SeriesBeatNaive2OnHeldOutPoints() throws {
        let lines = try String(contentsOfFile: sharedData! + "/m4/Hourly-train.csv", encoding: .utf8).split(separator: "\n").dropFirst().prefix(20)
        var ours = 0.0, naive2 = 0.0
        for line in lines {
            let values = line.split(separator: ",", omittingEmptySubsequences: false).dropFirst()
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }.filter { !$0.isEmpty }.compactMap(Double.init)
            let train = Array(values.dropLast(48)), test = Array(values.suffix(48))
            let f = try ForecastEngine().forecast(train, horizon: 48, period: 24, model: nil, levels: [0.95]).point
            let n2 = try Naive2().forecast(train, horizon: 48, period: 24)
            ours += zip(f, test).reduce(0) { $0 + 200 * abs($1.0 - $1.1) / (abs($1.0) + abs($1.1)) } / 48
            naive2 += zip(n2, test).reduce(0) { $0 + 200 * abs($1.0 - $1.1) / (abs($1.0) + abs($1.1)) } / 48
        }
        #expect(ours < naive2, "sMAPE \(ours / 20) vs Naive2 \(naive2 / 20)")
    }

    @Test(arguments: [ModelKind.snaive, .naive2, .theta, .ets, .mstl, .ensemble])
    func everyModelForecastsRealNABSeries(_ kind: ModelKind) throws {
        let dir = sharedData! + "/nab/realAWSCloudwatch"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }.sorted().prefix(3)
        for file in files {
            let rows = try String(contentsOfFile: dir + "/" + file, encoding: .utf8).split(separator: "\n").dropFirst()
            let samples = rows.compactMap { row -> Sample? in
                let cols = row.split(separator: ",")
                guard cols.count == 2, let t = TimeParsing.timestampMs(cols[0]), let v = Double(cols[1]) else { return nil }
                return Sample(t, v)
            }
            let r = try Regularize.regular(samples)
            #expect(r.stepMs == 300_000, "\(file)")
            let history = Array(r.values.dropLast(12)), actual = Array(r.values.suffix(12))
            let period = Seasonality.detectPeriod(history, candidates: Regularize.candidatePeriods(stepMs: r.stepMs)) ?? 1
            let f = try ForecastEngine().forecast(history, horizon: 12, period: period, model: kind, levels: [0.95])
            #expect(f.point.count == 12 && f.point.allSatisfy(\.isFinite), "\(kind) on \(file)")
            // No worse than ten times the in-sample naive error: a sanity bound, not a target.
            let mae = zip(f.point, actual).reduce(0) { $0 + abs($1.0 - $1.1) } / 12
            #expect(mae < 10 * ForecastEngine.naiveScale(history, 1), "\(kind) on \(file): MAE \(mae)")
        }
    }
}

@Suite(.ownThread) struct SavedModelTests {
    @Test(arguments: [ModelKind.snaive, .naive2, .theta, .ets, .mstl, .global, .ensemble])
    func savedModelForecastsExactlyAsTrained(_ kind: ModelKind) async throws {
        let series = (0..<12).map { ModelTests.seasonal(24 * 30, trend: 0.02, noise: 2, seed: UInt64($0)) }
        let engine = try ForecastEngine().withGlobalModels(series, horizon: 24, inputLengths: [48, 168])
        let result = try engine.forecast(series[3], horizon: 24, period: 24, model: kind, levels: [0.8, 0.95])
        try await withTemporaryDirectory { dir in
            let saved = SavedModel(series: ["__name__": "load", "pod": "p3"], result: result, stepMs: 3_600_000,
                                   trainedFromMs: 0, trainedToMs: 719 * 3_600_000, horizon: 24, trustThreshold: 1, createdMs: 1)
            let path = try saved.save(in: dir)
            let loaded = try SavedModel.load(path)
            let (point, intervals) = try loaded.forecast()
            #expect(point.map(\.bitPattern) == result.point.map(\.bitPattern))
            #expect(intervals["95"]!.upper.map(\.bitPattern) == result.intervals[0.95]!.upper.map(\.bitPattern))
            #expect(loaded.kind == kind && loaded.trusted == ((result.backtestMASE[kind] ?? .infinity) <= 1))
        }
    }

    @Test func otherFormatsAreRefused() async throws {
        try await withTemporaryDirectory { dir in
            try #"{"format":"something","version":1,"state":{}}"#.write(toFile: dir + "/x.json", atomically: true, encoding: .utf8)
            #expect(throws: (any Error).self) { try SavedModel.load(dir + "/x.json") }
        }
    }
}

/// Real data's flaws, each handled on purpose.
@Suite(.ownThread) struct RegularizeTests {
    func samples(_ pairs: [(Int64, Double)]) -> [Sample] { pairs.map { Sample($0.0, $0.1) } }

    @Test func gapsAreInterpolatedOnTheMedianStep() throws {
        let r = try Regularize.regular(samples([(0, 0), (60_000, 1), (120_000, 2), (300_000, 5), (360_000, 6)]))
        #expect(r.stepMs == 60_000)
        #expect(r.values == [0, 1, 2, 3, 4, 5, 6])
    }

    @Test func irregularStepsLandInTheirSlotsAndNaNIsDropped() throws {
        let r = try Regularize.regular(samples([(0, 1), (61_000, 2), (119_000, .nan), (125_000, 3), (180_500, 4)]), stepMs: 60_000)
        #expect(r.values == [1, 2, 3, 4])
        #expect(r.endMs == 180_000)
    }

    @Test func counterResetsBecomeIncreases() throws {
        let labels = Labels(name: "http_requests_total", ["pod": "a"])
        #expect(Regularize.isCounter(labels) && !Regularize.isCounter(Labels(name: "cpu")))
        let r = try Regularize.forForecasting(Series(labels: labels, samples: samples([(0, 100), (1000, 110), (2000, 125), (3000, 5), (4000, 15)])))
        #expect(r.values == [10, 15, 5, 10])
        // Augur's log count series are lines per minute already.
        let logs = Labels(name: "augur_log_lines_total", ["service": "a", "level": "error"])
        #expect(!Regularize.isCounter(logs))
        #expect(try Regularize.forForecasting(Series(labels: logs, samples: samples([(0, 3), (60_000, 1), (120_000, 4)]))).values == [3, 1, 4])
    }

    @Test func spikesDoNotBendTheSeasonalForecast() throws {
        var y = ModelTests.seasonal(24 * 20, noise: 0.5)
        y[24 * 18 + 5] += 400
        let f = try ForecastEngine().forecast(y, horizon: 24, period: 24, model: .mstl, levels: [0.95]).point
        let truth = Array(ModelTests.seasonal(24 * 21).suffix(24))
        #expect(zip(f, truth).allSatisfy { abs($0 - $1) < 10 }, "\(f)")
    }
}

@Suite(.ownThread) struct CalendarTests {
    let hour: Int64 = 3_600_000
    // Mondays in January 2026: the 5th, 12th, 19th, 26th.
    let start: Int64 = 1_767_225_600_000  // 2026-01-01T00:00Z, a Thursday

    func series(days: Int, saleFactor: Double, outageAt: Int? = nil) -> Regularize.Regular {
        let values = (0..<(days * 24)).map { t -> Double in
            var v = 100 + 20 * sin(2 * Double.pi * Double(t % 24) / 24)
            let ms = start + Int64(t) * hour
            let weekday = ((ms / 86_400_000) + 4) % 7, h = (ms / hour) % 24
            if weekday == 1 && (10..<12).contains(h) { v *= saleFactor }
            if let o = outageAt, (o..<(o + 3)).contains(t) { v = 0 }
            return v
        }
        return Regularize.Regular(startMs: start, stepMs: hour, values: values)
    }

    @Test func excludedOutageIsRefilledFromTheSeason() {
        let r = series(days: 10, saleFactor: 1, outageAt: 24 * 8 + 5)
        let outage = CalendarEvent(name: "outage", kind: .exclude, startMs: start + Int64(24 * 8 + 5) * hour, endMs: start + Int64(24 * 8 + 8) * hour)
        var adj = CalendarAdjustment(events: [outage], period: 24)
        let clean = adj.clean(r)
        #expect(clean[24 * 8 + 6] == r.values[24 * 7 + 6])
        #expect(adj.effects.isEmpty)
    }

    @Test func recurringEventEffectIsLearnedAndApplied() throws {
        let r = series(days: 25, saleFactor: 2)  // to the 26th, a Monday: the next sale is in the forecast
        let sale = try CalendarEvent(name: "sale", kind: .event, schedule: "0 10 * * 1", durationMs: 2 * hour).validated()
        var adj = CalendarAdjustment(events: [sale], period: 24)
        let clean = adj.clean(r)
        #expect(abs(adj.effects["sale"]! - 2) < 0.01)
        #expect(clean.max()! < 125, "the sale is taken out of the history")
        let f = try ForecastEngine().forecast(clean, horizon: 24, period: 24, model: .snaive, levels: [0.95])
        let applied = f.applying(adj, after: r).point
        // 2026-01-26 10:00 and 11:00 are steps 10 and 11 after the last observation (25th 23:00).
        #expect(abs(applied[10] / f.point[10] - 2) < 0.01 && applied[9] == f.point[9])
    }
}

@Suite(.ownThread) struct IncidentDetectionTests {
    /// Three weeks of hourly load with noise.
    func load(seed: UInt64 = 9) -> [Double] { ModelTests.seasonal(24 * 21, noise: 1, seed: seed) }

    @Test func anOutageIsFoundAndReplacedByTheNorm() {
        var y = load()
        let outage = (24 * 19 + 3)..<(24 * 19 + 9)  // six hours, two days before the end
        for i in outage { y[i] *= 0.1 }
        let (clean, windows) = IncidentDetection().cleaned(y, period: 24)
        #expect(windows == [IncidentDetection.Window(steps: outage, direction: -1)])
        let truth = load()
        #expect(outage.allSatisfy { abs(clean[$0] - truth[$0]) < 4 }, "refilled from the same hours of other days")
        #expect(zip(clean, y).enumerated().allSatisfy { outage.contains($0.offset) || $0.element.0 == $0.element.1 }, "nothing else is touched")
    }

    @Test func aSurgeWithoutSeasonIsFoundToo() {
        var rng = SplitMix64(seed: 4)
        var y = (0..<400).map { _ in 50 + rng.nextGaussian() }
        for i in 200..<205 { y[i] += 40 }
        #expect(IncidentDetection().windows(y, period: 1) == [IncidentDetection.Window(steps: 200..<205, direction: 1)])
    }

    @Test func normalSeriesLevelShiftsAndOngoingChangesAreLeftAlone() {
        #expect(IncidentDetection().windows(load(), period: 24).isEmpty, "noise is not an incident")
        #expect(IncidentDetection().windows(ModelTests.seasonal(24 * 21, trend: 0.3, noise: 1), period: 24).isEmpty, "nor is a trend")
        var shifted = load()
        for i in (24 * 14)..<shifted.count { shifted[i] += 60 }
        #expect(IncidentDetection().windows(shifted, period: 24).isEmpty, "a week-long shift is the new level")
        var ongoing = load()
        for i in (ongoing.count - 5)..<ongoing.count { ongoing[i] = 0 }
        #expect(IncidentDetection().windows(ongoing, period: 24).isEmpty, "a drop still under way at the end may be the new normal")
        var single = load()
        single[200] = 0
        #expect(IncidentDetection().windows(single, period: 24).isEmpty, "a single bad point is a spike, not an incident")
    }

    @Test func excludingTheOutageImprovesTheForecast() throws {
        let truth = ModelTests.seasonal(24 * 22, noise: 1, seed: 2)
        var history = Array(truth.prefix(24 * 21))
        for i in (24 * 20 + 2)..<(24 * 20 + 10) { history[i] = 0 }  // the last day had an 8-hour outage
        func mae(_ values: [Double]) throws -> Double {
            let f = try ForecastEngine().forecast(values, horizon: 24, period: 24, model: nil, levels: [0.95]).point
            return zip(f, truth.suffix(24)).reduce(0) { $0 + abs($1.0 - $1.1) } / 24
        }
        let raw = try mae(history), cleaned = try mae(IncidentDetection().cleaned(history, period: 24).values)
        #expect(cleaned < 2 && cleaned < raw / 2, "MAE raw \(raw), with the outage excluded \(cleaned)")
    }

    /// Real CloudWatch metrics: the detector must not rewrite a real series wholesale.
    @Test(.enabled(if: sharedData != nil, "../shared/data is absent: real-series detection test skipped"))
    func realSeriesAreMostlyUntouched() throws {
        let dir = sharedData! + "/nab/realAWSCloudwatch"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }
        #expect(!files.isEmpty)
        var flagged = 0, total = 0
        for file in files {
            let samples = try String(contentsOfFile: dir + "/" + file, encoding: .utf8).split(separator: "\n").dropFirst().compactMap { row -> Sample? in
                let cols = row.split(separator: ",")
                guard cols.count == 2, let t = TimeParsing.timestampMs(cols[0]), let v = Double(cols[1]) else { return nil }
                return Sample(t, v)
            }
            let r = try Regularize.regular(samples)
            let period = Seasonality.detectPeriod(r.values, candidates: Regularize.candidatePeriods(stepMs: r.stepMs)) ?? 1
            let steps = IncidentDetection().windows(r.values, period: period).reduce(0) { $0 + $1.steps.count }
            #expect(Double(steps) < 0.05 * Double(r.values.count), "\(file): \(steps) of \(r.values.count) steps flagged")
            flagged += steps
            total += r.values.count
        }
        #expect(Double(flagged) < 0.01 * Double(total), "\(flagged) of \(total) steps flagged")
    }
}
