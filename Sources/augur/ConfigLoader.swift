import AugurCore
import AugurPromQL
import Foundation
import Logging
import Yams

struct AugurConfigResolved {
    let config: AugurConfig
    let logLevel: Logger.Level

    func logger(_ label: String = "augur") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

enum ProcessEnvironment {
    static func get(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// Reads the YAML file and applies `AUGUR_*` environment variables on top of it.
enum ConfigLoader {
    static func load(file: String?) throws(ConfigError) -> AugurConfig {
        var config = AugurConfig()
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ConfigError("cannot read configuration file \(file)") }
            do {
                try rejectUnknownKeys(try Yams.load(yaml: text), file: file)
                config = try YAMLDecoder().decode(AugurConfig.self, from: text.isEmpty ? "{}" : text)
            } catch let e as ConfigError {
                throw e
            } catch {
                throw ConfigError("configuration file \(file): \(describe(error))")
            }
        }
        for path in config.incidents.ruleFiles {
            let (alerts, recordings) = try ruleFile(path)
            config.incidents.rules += alerts
            config.incidents.recordingRules += recordings
        }
        for rule in config.incidents.rules { try checkExpression(rule.expr, "rule \(rule.name)") }
        for rule in config.incidents.recordingRules {
            guard Labels.isMetricName(rule.record) else { throw ConfigError("recording rule \(rule.record): record must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)") }
            try checkExpression(rule.expr, "recording rule \(rule.record)")
        }
        let env = ProcessEnvironment.get
        if let v = env("AUGUR_LISTEN") { config.server.listen = v }
        if let v = env("AUGUR_DB") { config.storage.path = v }
        if let v = env("AUGUR_READ_TOKEN") { config.server.readToken = v }
        if let v = env("AUGUR_WRITE_TOKEN") { config.server.writeToken = v }
        if let v = env("AUGUR_ADMIN_TOKEN") { config.server.adminToken = v }
        if let v = env("AUGUR_RETENTION") { config.storage.retention = try ConfigDuration(parsing: v) }
        if let v = env("AUGUR_MAX_BODY_BYTES") {
            guard let n = Int(v) else { throw ConfigError("AUGUR_MAX_BODY_BYTES must be a whole number of bytes") }
            config.server.maxBodyBytes = n
        }
        return config
    }

    /// The keys each section takes; a misspelt key is an error, not a silently ignored default.
    static let knownKeys: [String: Set<String>] = [
        "": ["server", "storage", "scrape", "forecasting", "logs", "scaling", "workloads", "incidents", "graph", "limits"],
        "limits": Set(AugurConfig.Limits().table.map(\.key)),
        "graph": ["calls"],
        "graph.calls[]": ["from", "to"],
        "incidents": ["group_window", "external_url", "notify", "rca_lookback", "rules", "recording_rules", "rule_files", "rule_interval", "rule_backfill"],
        "incidents.rules[]": ["name", "expr", "for", "keep_firing_for", "labels", "annotations"],
        "incidents.recording_rules[]": ["record", "expr", "labels"],
        "incidents.notify[]": ["url", "format"],
        "scaling": ["interval", "grpc_listen", "stale_after", "warmup"],
        "workloads[]": ["namespace", "name", "load", "capacity", "ready_pods", "concurrency_target", "target", "startup",
                        "min_replicas", "max_replicas", "downscale_stabilization", "quantile", "budget", "resolution"],
        "logs": ["message_fields", "masks", "similarity", "pinned"],
        "server": ["listen", "read_token", "write_token", "admin_token", "max_body_bytes", "request_timeout"],
        "storage": ["path", "retention", "compact_interval"],
        "scrape[]": ["job", "targets", "interval", "path", "labels"],
        "forecasting": ["selectors", "horizon", "history", "step", "levels", "models_dir", "trust_mase", "schedule", "events", "detect_incidents"],
        "forecasting.events[]": ["name", "kind", "start", "end", "schedule", "duration"],
    ]

    /// A rule's expression must be PromQL the engine evaluates (or Augur's outside_forecast); the
    /// refusal names the construct.
    static func checkExpression(_ expr: String, _ what: String) throws(ConfigError) {
        let text = expr.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("outside_forecast(") { return }
        let parsed: Expr
        do { parsed = try Parser.parse(text) } catch { throw ConfigError("\(what): expr \"\(expr)\": \(error.detail)") }
        guard parsed.type == .vector || parsed.type == .scalar else {
            throw ConfigError("\(what): expr \"\(expr)\" is a \(parsed.type.rawValue); a rule needs an instant vector")
        }
    }

    /// The rules of a file in Prometheus' rule format (the format `promtool check rules` checks):
    /// alerting and recording rules; a key Augur does not know is refused by name.
    static func ruleFile(_ path: String) throws(ConfigError) -> (alerts: [AlertRule], recordings: [RecordingRule]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError("cannot read rule file \(path)") }
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw ConfigError("rule file \(path): not YAML (\(error))") }
        guard let groups = (root as? [String: Any])?["groups"] as? [[String: Any]] else { throw ConfigError("rule file \(path): expected groups: [{name, rules: [...]}]") }
        var alerts: [AlertRule] = [], recordings: [RecordingRule] = []
        for (g, group) in groups.enumerated() {
            // A group's own interval and limit are Prometheus' scheduling; Augur evaluates every group at rule_interval.
            for key in group.keys where !["name", "interval", "limit", "rules"].contains(key) {
                throw ConfigError("rule file \(path): groups[\(g)]: \(key) is not supported (known: name, interval, limit, rules)")
            }
            for (r, rule) in ((group["rules"] as? [[String: Any]]) ?? []).enumerated() {
                let at = "rule file \(path): groups[\(g)].rules[\(r)]"
                for key in rule.keys where !["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"].contains(key) {
                    throw ConfigError("\(at): \(key) is not supported")
                }
                guard let expr = rule["expr"].map({ "\($0)" }) else { throw ConfigError("\(at): expr is required") }
                let strings = { (key: String) in ((rule[key] as? [String: Any]) ?? [:]).mapValues { "\($0)" } }
                if let record = rule["record"] as? String {
                    try checkExpression(expr, "\(at): recording rule \(record)")
                    recordings.append(RecordingRule(record: record, expr: expr, labels: strings("labels")))
                    continue
                }
                guard let name = rule["alert"] as? String else { throw ConfigError("\(at): a rule needs alert: or record:") }
                func duration(_ key: String) throws(ConfigError) -> ConfigDuration {
                    guard let text = rule[key] as? String else { return ConfigDuration(ms: 0) }
                    do { return try ConfigDuration(parsing: text) } catch { throw ConfigError("\(at): \(key): \(error.detail)") }
                }
                var alert = AlertRule(name: name, expr: expr, forDuration: try duration("for"), labels: strings("labels"), annotations: strings("annotations"))
                alert.keepFiringFor = try duration("keep_firing_for")
                try checkExpression(expr, "\(at): rule \(name)")
                do { _ = try alert.parsed() } catch { throw ConfigError("\(at): \(error.detail)") }
                alerts.append(alert)
            }
        }
        return (alerts, recordings)
    }

    static func rejectUnknownKeys(_ node: Any?, file: String) throws(ConfigError) {
        func check(_ value: Any?, _ section: String, _ path: String) throws(ConfigError) {
            guard let dict = value as? [String: Any] else { return }
            for key in dict.keys where !(knownKeys[section]?.contains(key) ?? true) {
                let known = knownKeys[section]!.sorted().joined(separator: ", ")
                throw ConfigError("configuration file \(file): unknown key \(path.isEmpty ? key : path + "." + key) (known here: \(known))")
            }
            if section.isEmpty {
                try check(dict["server"], "server", "server")
                try check(dict["storage"], "storage", "storage")
                try check(dict["logs"], "logs", "logs")
                try check(dict["forecasting"], "forecasting", "forecasting")
                try check(dict["scaling"], "scaling", "scaling")
                try check(dict["incidents"], "incidents", "incidents")
                try check(dict["graph"], "graph", "graph")
                for (i, c) in (((dict["graph"] as? [String: Any])?["calls"] as? [Any]) ?? []).enumerated() { try check(c, "graph.calls[]", "graph.calls[\(i)]") }
                let notify = (dict["incidents"] as? [String: Any])?["notify"] as? [Any] ?? []
                for (i, n) in notify.enumerated() { try check(n, "incidents.notify[]", "incidents.notify[\(i)]") }
                let rules = (dict["incidents"] as? [String: Any])?["rules"] as? [Any] ?? []
                for (i, r) in rules.enumerated() { try check(r, "incidents.rules[]", "incidents.rules[\(i)]") }
                let recordings = (dict["incidents"] as? [String: Any])?["recording_rules"] as? [Any] ?? []
                for (i, r) in recordings.enumerated() { try check(r, "incidents.recording_rules[]", "incidents.recording_rules[\(i)]") }
                for (i, w) in ((dict["workloads"] as? [Any]) ?? []).enumerated() { try check(w, "workloads[]", "workloads[\(i)]") }
                let events = (dict["forecasting"] as? [String: Any])?["events"] as? [Any] ?? []
                for (i, e) in events.enumerated() { try check(e, "forecasting.events[]", "forecasting.events[\(i)]") }
                for (i, job) in ((dict["scrape"] as? [Any]) ?? []).enumerated() { try check(job, "scrape[]", "scrape[\(i)]") }
            }
        }
        try check(node, "", "")
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c), DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "\(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        case DecodingError.keyNotFound(let key, let c):
            return "\((c.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is required"
        default:
            return "\(error)"
        }
    }
}
