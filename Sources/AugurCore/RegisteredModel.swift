/// A trained model as the registry records it.
package struct RegisteredModel: Sendable {
    package var series: Labels
    package var kind: String
    package var path: String
    package var period: Int
    package var stepMs: Int64
    package var trainedFromMs: Int64
    package var trainedToMs: Int64
    /// Backtest scores as JSON (`{"ets":0.81,…}`).
    package var backtest: String
    package var trusted: Bool
    package var createdMs: Int64

    package init(series: Labels, kind: String, path: String, period: Int, stepMs: Int64, trainedFromMs: Int64, trainedToMs: Int64,
                 backtest: String, trusted: Bool, createdMs: Int64) {
        self.series = series
        self.kind = kind
        self.path = path
        self.period = period
        self.stepMs = stepMs
        self.trainedFromMs = trainedFromMs
        self.trainedToMs = trainedToMs
        self.backtest = backtest
        self.trusted = trusted
        self.createdMs = createdMs
    }
}
