import AugurCore
import Testing

@Suite struct AlertRuleTests {
    func rule(_ expr: String) -> AlertRule { AlertRule(name: "R", expr: expr, forDuration: ConfigDuration(seconds: 60)) }

    @Test func thresholdsParse() throws {
        guard case let .threshold(selector, op, value) = try rule(#"http_request_duration_seconds{quantile="0.99"} >= 0.5"#).parsed() else {
            Issue.record("not a threshold")
            return
        }
        #expect(op == .greaterOrEqual && value == 0.5)
        #expect(selector.matches(Labels(name: "http_request_duration_seconds", ["quantile": "0.99"])))
        // An operator inside the selector's quotes is the label's, not the comparison.
        guard case let .threshold(_, op2, _) = try rule(#"up{job="a>b"} != 1"#).parsed() else { return }
        #expect(op2 == .notEqual)
    }

    @Test func forecastRulesParse() throws {
        guard case let .outsideForecast(selector, level) = try rule(#"outside_forecast(http_requests_per_second{service="a,b"}, 99.5)"#).parsed() else {
            Issue.record("not a forecast rule")
            return
        }
        #expect(level == 0.995)
        #expect(selector.matches(Labels(name: "http_requests_per_second", ["service": "a,b"])))
        guard case let .outsideForecast(_, defaultLevel) = try rule("outside_forecast(up)").parsed() else { return }
        #expect(defaultLevel == 0.99)
    }

    /// Anything but the threshold form and outside_forecast is PromQL, for the engine (which the
    /// configuration loader runs on it).
    @Test(arguments: ["rate(http_requests_total[5m]) > 1", "up", "up > high", "up ! 1", "sum(up) > 1"])
    func otherExpressionsAreLeftToThePromQLEngine(_ expr: String) throws {
        guard case .promql(let text) = try rule(expr).parsed() else { Issue.record("\(expr) was not left to the engine"); return }
        #expect(text == expr)
    }

    @Test(arguments: [
        ("outside_forecast(up, 120)", "a percentage between 0 and 100"),
        ("outside_forecast(up, ninety)", "a percentage between 0 and 100"),
        ("outside_forecast(sum(up), 99)", "not a series selector"),
    ])
    func unsupportedExpressionsAreRefused(_ expr: String, _ message: String) {
        do {
            _ = try rule(expr).parsed()
            Issue.record("\(expr) was accepted")
        } catch {
            #expect(error.detail.contains(message) && error.detail.contains("rule R"), "\(error.detail)")
        }
    }
}
