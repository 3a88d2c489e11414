package import AugurCore
package import AugurForecast
package import AugurNumerics
package import AugurStore

/// Preparing a series for the engine, the one way every forecast does it (`augur forecast`, the
/// forecast route, retraining): on one step (counters as increases), its season given or detected
/// among those its step allows, then cleaned of excluded windows and past event occurrences and,
/// when asked, of detected incidents.
package struct ForecastPreparation: Sendable {
    /// Declared events: excluded windows are cut out, learned effects scale the forecast.
    package var events: [CalendarEvent]
    package var detectIncidents: Bool
    /// Given periods in steps: the first is the season, the rest go to MSTL. Empty: detected.
    package var periods: [Int]

    package init(events: [CalendarEvent] = [], detectIncidents: Bool = false, periods: [Int] = []) {
        (self.events, self.detectIncidents, self.periods) = (events, detectIncidents, periods.filter { $0 >= 1 })
    }

    /// One series ready for the engine, and what cleaning it did.
    package struct Prepared: Sendable {
        package let regular: Regularize.Regular
        package let period: Int
        package let extraPeriods: [Int]
        /// The event effects learned and the incidents cut out.
        package let adjustment: CalendarAdjustment
        /// `regular`'s values, cleaned.
        package let values: [Double]

        package var input: BatchForecast.Input { BatchForecast.Input(values: values, period: period, extraPeriods: extraPeriods) }
    }

    /// Prepares a regular series; `candidates` (periods in steps) default to an hour, a day and a week at its step.
    package func prepare(_ r: Regularize.Regular, candidates: [Int]? = nil) -> Prepared {
        let period = periods.first ?? Seasonality.detectPeriod(r.values, candidates: candidates ?? Regularize.candidatePeriods(stepMs: r.stepMs)) ?? 1
        var adjustment = CalendarAdjustment(events: events, period: period, detection: detectIncidents ? IncidentDetection() : nil)
        let values = adjustment.clean(r)
        return Prepared(regular: r, period: period, extraPeriods: Array(periods.dropFirst()), adjustment: adjustment, values: values)
    }

    /// Regularises a stored series (at `stepMs`, or its median spacing) and prepares it.
    package func prepare(_ series: Series, stepMs: Int64?, maxPoints: Int = Regularize.defaultMaxPoints) throws(ForecastError) -> Prepared {
        prepare(try Regularize.forForecasting(series, stepMs: stepMs, maxPoints: maxPoints))
    }

    /// The configured events and those posted to the API, with where each came from.
    package static func calendar(configured: [AugurConfig.Forecasting.Event], store: Store) throws -> [(event: CalendarEvent, source: String)] {
        try configured.map { (try CalendarEvent(configured: $0), "config") } + store.calendarEvents().map { ($0, "api") }
    }
}
