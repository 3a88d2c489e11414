extension AugurConfig {
    /// Bounds on the work one client can ask for. Each is refused with a problem that names its key.
    /// Defaults follow Prometheus (`query.max-samples`, the 11,000-point limit, `query.timeout`) and
    /// Mimir (`creation_grace_period`, label lengths and counts, series limits) where they have one.
    package struct Limits: Codable, Sendable, Equatable {
        /// Samples newer than the server's clock plus this are refused (Mimir's `creation_grace_period`).
        package var outOfWindowFuture = ConfigDuration(seconds: 600)
        /// Samples older than the clock minus this are refused; 0 takes any age (backfill).
        package var outOfWindowPast = ConfigDuration(ms: 0)
        /// Points per series in one range query (Prometheus: 11,000).
        package var maxPointsPerSeries = 11_000
        /// Series one query may select or return.
        package var maxSeriesPerQuery = 10_000
        /// Samples one query may load or return, summed over its series (Prometheus' `query.max-samples`).
        package var maxSamplesPerQuery = 5_000_000
        /// Distinct series in one write request.
        package var maxSeriesPerWrite = 50_000
        /// New series created per minute, over all clients.
        package var maxNewSeriesPerMinute = 100_000
        /// Series in the store.
        package var maxSeries = 1_000_000
        /// Bytes a request body may inflate to (gzip, snappy).
        package var maxDecompressedBytes = 128 << 20
        /// Label names and values, in bytes, and labels per series (Mimir: 1024, 2048, 30).
        package var maxLabelNameLength = 1024
        package var maxLabelValueLength = 2048
        package var maxLabelsPerSeries = 30
        /// Slots a series may be regularised to for forecasting (one per step).
        package var maxRegularPoints = 200_000
        /// Longest a query or analysis may run before it is stopped with a 503 (Prometheus: 2m).
        package var queryTimeout = ConfigDuration(seconds: 120)

        package init() {}

        enum CodingKeys: String, CodingKey {
            case outOfWindowFuture = "out_of_window_future", outOfWindowPast = "out_of_window_past"
            case maxPointsPerSeries = "max_points_per_series", maxSeriesPerQuery = "max_series_per_query"
            case maxSamplesPerQuery = "max_samples_per_query", maxSeriesPerWrite = "max_series_per_write"
            case maxNewSeriesPerMinute = "max_new_series_per_minute", maxSeries = "max_series"
            case maxDecompressedBytes = "max_decompressed_bytes", maxLabelNameLength = "max_label_name_length"
            case maxLabelValueLength = "max_label_value_length", maxLabelsPerSeries = "max_labels_per_series"
            case maxRegularPoints = "max_regular_points", queryTimeout = "query_timeout"
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func int(_ key: CodingKeys, _ value: Int) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key) ?? value }
            func duration(_ key: CodingKeys, _ value: ConfigDuration) throws -> ConfigDuration { try c.decodeIfPresent(ConfigDuration.self, forKey: key) ?? value }
            outOfWindowFuture = try duration(.outOfWindowFuture, outOfWindowFuture)
            outOfWindowPast = try duration(.outOfWindowPast, outOfWindowPast)
            maxPointsPerSeries = try int(.maxPointsPerSeries, maxPointsPerSeries)
            maxSeriesPerQuery = try int(.maxSeriesPerQuery, maxSeriesPerQuery)
            maxSamplesPerQuery = try int(.maxSamplesPerQuery, maxSamplesPerQuery)
            maxSeriesPerWrite = try int(.maxSeriesPerWrite, maxSeriesPerWrite)
            maxNewSeriesPerMinute = try int(.maxNewSeriesPerMinute, maxNewSeriesPerMinute)
            maxSeries = try int(.maxSeries, maxSeries)
            maxDecompressedBytes = try int(.maxDecompressedBytes, maxDecompressedBytes)
            maxLabelNameLength = try int(.maxLabelNameLength, maxLabelNameLength)
            maxLabelValueLength = try int(.maxLabelValueLength, maxLabelValueLength)
            maxLabelsPerSeries = try int(.maxLabelsPerSeries, maxLabelsPerSeries)
            maxRegularPoints = try int(.maxRegularPoints, maxRegularPoints)
            queryTimeout = try duration(.queryTimeout, queryTimeout)
        }

        /// Every limit with its configuration key, for the checks, the docs and the closing note.
        package var table: [(key: String, value: String)] {
            [("out_of_window_future", "\(outOfWindowFuture)"), ("out_of_window_past", outOfWindowPast.ms == 0 ? "0 (any age)" : "\(outOfWindowPast)"),
             ("max_points_per_series", "\(maxPointsPerSeries)"), ("max_series_per_query", "\(maxSeriesPerQuery)"),
             ("max_samples_per_query", "\(maxSamplesPerQuery)"), ("max_series_per_write", "\(maxSeriesPerWrite)"),
             ("max_new_series_per_minute", "\(maxNewSeriesPerMinute)"), ("max_series", "\(maxSeries)"),
             ("max_decompressed_bytes", "\(maxDecompressedBytes)"), ("max_label_name_length", "\(maxLabelNameLength)"),
             ("max_label_value_length", "\(maxLabelValueLength)"), ("max_labels_per_series", "\(maxLabelsPerSeries)"),
             ("max_regular_points", "\(maxRegularPoints)"), ("query_timeout", "\(queryTimeout)")]
        }

        func validated() throws(ConfigError) {
            let counts = [maxPointsPerSeries, maxSeriesPerQuery, maxSamplesPerQuery, maxSeriesPerWrite, maxNewSeriesPerMinute, maxSeries,
                          maxDecompressedBytes, maxLabelNameLength, maxLabelValueLength, maxLabelsPerSeries, maxRegularPoints]
            guard counts.allSatisfy({ $0 > 0 }) else { throw ConfigError("limits: every count must be positive") }
            guard outOfWindowFuture.ms > 0, outOfWindowPast.ms >= 0, queryTimeout.ms > 0 else {
                throw ConfigError("limits: out_of_window_future and query_timeout must be positive, out_of_window_past at least 0")
            }
        }
    }
}
