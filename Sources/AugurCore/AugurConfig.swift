/// Augur's whole configuration. Defaults live here; `augur` overlays the YAML file
/// (`--config`), then `AUGUR_*` environment variables, then flags, validates once and passes it down.
package struct AugurConfig: Codable, Sendable, Equatable {
    package var server = Server()
    package var storage = Storage()
    package var scrape: [ScrapeJob] = []
    package var forecasting = Forecasting()
    package var logs = Logs()
    package var scaling = Scaling()
    package var workloads: [Workload] = []
    package var incidents = Incidents()
    package var graph = Graph()
    package var limits = Limits()

    package init() {}

    enum CodingKeys: String, CodingKey { case server, storage, scrape, forecasting, logs, scaling, workloads, incidents, graph, limits }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        server = try c.decodeIfPresent(Server.self, forKey: .server) ?? server
        storage = try c.decodeIfPresent(Storage.self, forKey: .storage) ?? storage
        scrape = try c.decodeIfPresent([ScrapeJob].self, forKey: .scrape) ?? scrape
        forecasting = try c.decodeIfPresent(Forecasting.self, forKey: .forecasting) ?? forecasting
        logs = try c.decodeIfPresent(Logs.self, forKey: .logs) ?? logs
        scaling = try c.decodeIfPresent(Scaling.self, forKey: .scaling) ?? scaling
        workloads = try c.decodeIfPresent([Workload].self, forKey: .workloads) ?? workloads
        incidents = try c.decodeIfPresent(Incidents.self, forKey: .incidents) ?? incidents
        graph = try c.decodeIfPresent(Graph.self, forKey: .graph) ?? graph
        limits = try c.decodeIfPresent(Limits.self, forKey: .limits) ?? limits
    }

    /// The service dependency graph as configured: who calls whom (edges of origin `config`). Edges are
    /// also learned from call-level metric labels (origin `metrics`) and imported (`dependency.csv`).
    package struct Graph: Codable, Sendable, Equatable {
        package struct Call: Codable, Sendable, Equatable {
            package var from: String
            package var to: String

            package init(from: String, to: String) {
                self.from = from
                self.to = to
            }
        }

        package var calls: [Call] = []

        package init() {}

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            calls = try c.decodeIfPresent([Call].self, forKey: .calls) ?? []
        }
    }

    /// How alerts become incidents, and who hears about them.
    package struct Incidents: Codable, Sendable, Equatable {
        /// Alerts this close in time on services that call each other join one incident.
        package var groupWindow = ConfigDuration(seconds: 30 * 60)
        /// Links in notifications point here (the address people open Augur at).
        package var externalURL = "http://127.0.0.1:8080"
        package var notify: [Notify] = []
        /// RCA searches this far before an alert's start for the onset (alerts fire after their `for:` duration).
        package var rcaLookback = ConfigDuration(seconds: 900)
        /// Augur's own alert rules, evaluated on the store (the built-in two by default; [] for none).
        package var rules: [AlertRule] = AlertRule.builtIn
        /// Recording rules: each expression evaluated every `rule_interval` and stored as the series `record`.
        package var recordingRules: [RecordingRule] = []
        /// Files in Prometheus' rule format: their alerting rules join `rules`, their recording rules `recording_rules`.
        package var ruleFiles: [String] = []
        /// How often rules are evaluated, and how far back the first evaluation looks.
        package var ruleInterval = ConfigDuration(seconds: 30)
        package var ruleBackfill = ConfigDuration(seconds: 3 * 86400)

        package struct Notify: Codable, Sendable, Equatable {
            package var url: String
            /// generic (JSON with the summary and a link) or slack (incoming-webhook JSON).
            package var format = "generic"

            package init(url: String, format: String = "generic") {
                self.url = url
                self.format = format
            }

            enum CodingKeys: String, CodingKey { case url, format }

            package init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                url = try c.decode(String.self, forKey: .url)
                format = try c.decodeIfPresent(String.self, forKey: .format) ?? format
            }
        }

        package init() {}

        enum CodingKeys: String, CodingKey {
            case groupWindow = "group_window", externalURL = "external_url", notify, rcaLookback = "rca_lookback", rules, ruleFiles = "rule_files"
            case recordingRules = "recording_rules"
            case ruleInterval = "rule_interval", ruleBackfill = "rule_backfill"
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            groupWindow = try c.decodeIfPresent(ConfigDuration.self, forKey: .groupWindow) ?? groupWindow
            rcaLookback = try c.decodeIfPresent(ConfigDuration.self, forKey: .rcaLookback) ?? rcaLookback
            rules = try c.decodeIfPresent([AlertRule].self, forKey: .rules) ?? rules
            ruleFiles = try c.decodeIfPresent([String].self, forKey: .ruleFiles) ?? ruleFiles
            recordingRules = try c.decodeIfPresent([RecordingRule].self, forKey: .recordingRules) ?? recordingRules
            ruleInterval = try c.decodeIfPresent(ConfigDuration.self, forKey: .ruleInterval) ?? ruleInterval
            ruleBackfill = try c.decodeIfPresent(ConfigDuration.self, forKey: .ruleBackfill) ?? ruleBackfill
            externalURL = try c.decodeIfPresent(String.self, forKey: .externalURL) ?? externalURL
            notify = try c.decodeIfPresent([Notify].self, forKey: .notify) ?? notify
        }
    }

    /// The recommender service: how often it decides, where KEDA's gRPC scaler listens.
    package struct Scaling: Codable, Sendable, Equatable {
        /// Time between decisions.
        package var interval = ConfigDuration(seconds: 60)
        /// `HOST:PORT` of the KEDA external scaler (gRPC); empty: off.
        package var grpcListen = ""
        /// Input older than this is stale: the served value holds the last good one, floored.
        package var staleAfter = ConfigDuration(seconds: 600)
        /// History replayed through the recommender at start-up, so it starts calibrated.
        package var warmup = ConfigDuration(seconds: 2 * 86400)

        package init() {}

        enum CodingKeys: String, CodingKey { case interval, grpcListen = "grpc_listen", staleAfter = "stale_after", warmup }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            interval = try c.decodeIfPresent(ConfigDuration.self, forKey: .interval) ?? interval
            grpcListen = try c.decodeIfPresent(String.self, forKey: .grpcListen) ?? grpcListen
            staleAfter = try c.decodeIfPresent(ConfigDuration.self, forKey: .staleAfter) ?? staleAfter
            warmup = try c.decodeIfPresent(ConfigDuration.self, forKey: .warmup) ?? warmup
        }
    }

    /// A Deployment Augur recommends replicas for.
    package struct Workload: Codable, Sendable, Equatable {
        package var namespace: String
        package var name: String
        /// Selector of the load series (summed when several match), e.g. requests/s or CPU cores.
        package var load: String
        /// Load one pod carries at 100 %; 0 derives it from `readyPods`.
        package var capacity = 0.0
        /// Selector whose sum is the ready pods; capacity is then the 95th percentile of load per
        /// ready pod over the warm-up history (what pods have been seen to carry).
        package var readyPods = ""
        /// Requests in flight per pod (Knative-style); when set, `load` is concurrency and this is the capacity.
        package var concurrencyTarget = 0.0
        package var target = 0.7
        package var startup = ConfigDuration(seconds: 180)
        package var minReplicas = 1
        package var maxReplicas = 100
        package var downscaleStabilization = ConfigDuration(seconds: 300)
        /// A fixed quantile of the peak load over the lead window to size for (nil: chosen within `budget`).
        package var quantile: Double?
        /// What the headroom may cost over a rolling week (ignored with a fixed `quantile`).
        package var budget = ScaleBudget.standard
        /// Resolution the load series is read at.
        package var resolution = ConfigDuration(seconds: 60)

        package init(namespace: String, name: String, load: String) {
            self.namespace = namespace
            self.name = name
            self.load = load
        }

        enum CodingKeys: String, CodingKey {
            case namespace, name, load, capacity, readyPods = "ready_pods", concurrencyTarget = "concurrency_target", target, startup
            case minReplicas = "min_replicas", maxReplicas = "max_replicas", downscaleStabilization = "downscale_stabilization", quantile, budget, resolution
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            namespace = try c.decode(String.self, forKey: .namespace)
            name = try c.decode(String.self, forKey: .name)
            load = try c.decode(String.self, forKey: .load)
            capacity = try c.decodeIfPresent(Double.self, forKey: .capacity) ?? capacity
            readyPods = try c.decodeIfPresent(String.self, forKey: .readyPods) ?? readyPods
            concurrencyTarget = try c.decodeIfPresent(Double.self, forKey: .concurrencyTarget) ?? concurrencyTarget
            target = try c.decodeIfPresent(Double.self, forKey: .target) ?? target
            startup = try c.decodeIfPresent(ConfigDuration.self, forKey: .startup) ?? startup
            minReplicas = try c.decodeIfPresent(Int.self, forKey: .minReplicas) ?? minReplicas
            maxReplicas = try c.decodeIfPresent(Int.self, forKey: .maxReplicas) ?? maxReplicas
            downscaleStabilization = try c.decodeIfPresent(ConfigDuration.self, forKey: .downscaleStabilization) ?? downscaleStabilization
            quantile = try c.decodeIfPresent(Double.self, forKey: .quantile)
            if c.contains(.budget) {
                guard quantile == nil else {
                    throw DecodingError.dataCorruptedError(forKey: .budget, in: c, debugDescription: "quantile fixes the headroom and budget chooses it: set one of them")
                }
                budget = try c.decode(ScaleBudget.self, forKey: .budget)
            }
            resolution = try c.decodeIfPresent(ConfigDuration.self, forKey: .resolution) ?? resolution
        }
    }

    /// How log lines become templates.
    package struct Logs: Codable, Sendable, Equatable {
        /// JSON fields tried, in order, for the message of a structured line.
        package var messageFields = ["msg", "message", "log"]
        /// Extra variable masks (regular expressions), applied before the built-in ones.
        package var masks: [String] = []
        /// Share of equal tokens a line needs to join a template.
        package var similarity = 0.5
        /// Pinned templates: patterns with `<*>`; they take precedence over mining.
        package var pinned: [String] = []

        package init() {}

        enum CodingKeys: String, CodingKey { case messageFields = "message_fields", masks, similarity, pinned }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            messageFields = try c.decodeIfPresent([String].self, forKey: .messageFields) ?? messageFields
            masks = try c.decodeIfPresent([String].self, forKey: .masks) ?? masks
            similarity = try c.decodeIfPresent(Double.self, forKey: .similarity) ?? similarity
            pinned = try c.decodeIfPresent([String].self, forKey: .pinned) ?? pinned
        }
    }

    /// What `augur retrain` (and the server's nightly retraining) fits and saves.
    package struct Forecasting: Codable, Sendable, Equatable {
        /// Series selectors to train models for; empty: none.
        package var selectors: [String] = []
        /// How far ahead saved models forecast.
        package var horizon = ConfigDuration(seconds: 6 * 3600)
        /// How much history each fit uses.
        package var history = ConfigDuration(seconds: 28 * 86400)
        /// Resampling step; 0 takes each series' median spacing.
        package var step = ConfigDuration(ms: 0)
        /// Prediction interval levels, percent.
        package var levels: [Double] = [80, 95]
        /// Where model files go.
        package var modelsDir = "models"
        /// A model whose backtest MASE exceeds this is saved untrusted; consumers fall back.
        package var trustMase = 1.0
        /// Cron schedule (`minute hour day month weekday`, UTC) for retraining inside `augur serve`; empty: off.
        package var schedule = ""
        /// Calendar events: `exclude` windows are cut from training, `event` effects are learned and applied.
        package var events: [Event] = []
        /// Whether incidents found in a history (runs far outside its seasonal norm) are cut from training too.
        package var detectIncidents = true

        package init() {}

        /// A declared event: one-off (`start`, `end`, RFC 3339) or recurring (`schedule` cron, `duration`).
        package struct Event: Codable, Sendable, Equatable {
            package var name: String
            /// `event` or `exclude`.
            package var kind: String
            package var start: String?
            package var end: String?
            package var schedule: String?
            package var duration: ConfigDuration?

            package init(name: String, kind: String, start: String? = nil, end: String? = nil, schedule: String? = nil, duration: ConfigDuration? = nil) {
                self.name = name; self.kind = kind; self.start = start; self.end = end; self.schedule = schedule; self.duration = duration
            }
        }

        enum CodingKeys: String, CodingKey {
            case selectors, horizon, history, step, levels, schedule, events
            case modelsDir = "models_dir", trustMase = "trust_mase", detectIncidents = "detect_incidents"
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            selectors = try c.decodeIfPresent([String].self, forKey: .selectors) ?? selectors
            horizon = try c.decodeIfPresent(ConfigDuration.self, forKey: .horizon) ?? horizon
            history = try c.decodeIfPresent(ConfigDuration.self, forKey: .history) ?? history
            step = try c.decodeIfPresent(ConfigDuration.self, forKey: .step) ?? step
            levels = try c.decodeIfPresent([Double].self, forKey: .levels) ?? levels
            modelsDir = try c.decodeIfPresent(String.self, forKey: .modelsDir) ?? modelsDir
            trustMase = try c.decodeIfPresent(Double.self, forKey: .trustMase) ?? trustMase
            schedule = try c.decodeIfPresent(String.self, forKey: .schedule) ?? schedule
            events = try c.decodeIfPresent([Event].self, forKey: .events) ?? events
            detectIncidents = try c.decodeIfPresent(Bool.self, forKey: .detectIncidents) ?? detectIncidents
        }
    }

    package struct Server: Codable, Sendable, Equatable {
        /// `HOST:PORT`; port 0 lets the OS choose (tests).
        package var listen = "127.0.0.1:8080"
        /// Bearer token for the read routes; empty means none.
        package var readToken = ""
        /// Bearer token for the write (ingest) routes; empty means none.
        package var writeToken = ""
        /// Bearer token for the admin routes (template steering, calendar, retraining); empty: the write token serves.
        package var adminToken = ""
        /// Largest request body accepted, in bytes (larger: 413).
        package var maxBodyBytes = 64 << 20
        /// Longest a request may take before a 503 problem is returned.
        package var requestTimeout = ConfigDuration(seconds: 30)

        package init() {}

        enum CodingKeys: String, CodingKey {
            case listen, readToken = "read_token", writeToken = "write_token", adminToken = "admin_token", maxBodyBytes = "max_body_bytes", requestTimeout = "request_timeout"
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            listen = try c.decodeIfPresent(String.self, forKey: .listen) ?? listen
            readToken = try c.decodeIfPresent(String.self, forKey: .readToken) ?? readToken
            writeToken = try c.decodeIfPresent(String.self, forKey: .writeToken) ?? writeToken
            adminToken = try c.decodeIfPresent(String.self, forKey: .adminToken) ?? adminToken
            maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? maxBodyBytes
            requestTimeout = try c.decodeIfPresent(ConfigDuration.self, forKey: .requestTimeout) ?? requestTimeout
        }

        /// Host and port split from `listen`.
        package func hostAndPort() throws(ConfigError) -> (host: String, port: Int) {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
                throw ConfigError("server.listen must be HOST:PORT, got \"\(listen)\"")
            }
            var host = String(listen[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return (host.isEmpty ? "0.0.0.0" : host, port)
        }

        /// Loopback listeners may run without tokens; anything wider must have both.
        package var isLoopback: Bool {
            guard let host = try? hostAndPort().host else { return false }
            return host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }

    package struct Storage: Codable, Sendable, Equatable {
        /// The SQLite file.
        package var path = "data/augur.sqlite"
        /// Samples older than this, counted back from the server's clock, are deleted; 0 keeps all.
        /// (From the clock, not the newest sample: one sample from a bad clock must not age out the rest.)
        package var retention = ConfigDuration(seconds: 30 * 86400)
        /// How often the head (recent samples) is cut into compressed chunks.
        package var compactInterval = ConfigDuration(seconds: 30)

        package init() {}

        enum CodingKeys: String, CodingKey { case path, retention, compactInterval = "compact_interval" }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decodeIfPresent(String.self, forKey: .path) ?? path
            retention = try c.decodeIfPresent(ConfigDuration.self, forKey: .retention) ?? retention
            compactInterval = try c.decodeIfPresent(ConfigDuration.self, forKey: .compactInterval) ?? compactInterval
        }
    }

    /// A pull job: Augur scrapes each target's Prometheus text exposition.
    package struct ScrapeJob: Codable, Sendable, Equatable {
        package var job: String
        /// `host:port` or full URLs.
        package var targets: [String]
        package var interval = ConfigDuration(seconds: 15)
        package var path = "/metrics"
        package var labels: [String: String] = [:]

        package init(job: String, targets: [String], interval: ConfigDuration = ConfigDuration(seconds: 15), path: String = "/metrics") {
            self.job = job
            self.targets = targets
            self.interval = interval
            self.path = path
        }

        enum CodingKeys: String, CodingKey { case job, targets, interval, path, labels }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            job = try c.decode(String.self, forKey: .job)
            targets = try c.decode([String].self, forKey: .targets)
            interval = try c.decodeIfPresent(ConfigDuration.self, forKey: .interval) ?? interval
            path = try c.decodeIfPresent(String.self, forKey: .path) ?? path
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? labels
        }

        /// The URLs scraped, one per target.
        package var urls: [String] {
            targets.map { $0.contains("://") ? $0 : "http://\($0)\(path)" }
        }
    }

    /// Checks that every value can be used; called once after all overrides.
    package func validated() throws(ConfigError) -> AugurConfig {
        _ = try server.hostAndPort()
        if !server.isLoopback && (server.readToken.isEmpty || server.writeToken.isEmpty) {
            throw ConfigError("server.listen \(server.listen) is beyond loopback: set both server.read_token and server.write_token (or AUGUR_READ_TOKEN / AUGUR_WRITE_TOKEN)")
        }
        let tokens = [server.readToken, server.writeToken, server.adminToken].filter { !$0.isEmpty }
        if Set(tokens).count != tokens.count { throw ConfigError("server.read_token, server.write_token and server.admin_token must differ") }
        try limits.validated()
        guard server.maxBodyBytes >= 1024 else { throw ConfigError("server.max_body_bytes must be at least 1024") }
        guard server.requestTimeout.ms > 0 else { throw ConfigError("server.request_timeout must be positive") }
        guard !storage.path.isEmpty else { throw ConfigError("storage.path must not be empty") }
        guard storage.compactInterval.ms >= 100 else { throw ConfigError("storage.compact_interval must be at least 100ms") }
        for text in forecasting.selectors {
            do { _ = try Selector(parsing: text) } catch { throw ConfigError("forecasting.selectors: \(error.detail)") }
        }
        guard forecasting.horizon.ms > 0, forecasting.history.ms > forecasting.horizon.ms else {
            throw ConfigError("forecasting.history must be longer than forecasting.horizon, and the horizon positive")
        }
        guard !forecasting.levels.isEmpty, forecasting.levels.allSatisfy({ $0 > 0 && $0 < 100 }) else {
            throw ConfigError("forecasting.levels must be percentages between 0 and 100")
        }
        if !forecasting.schedule.isEmpty, CronSchedule(forecasting.schedule) == nil {
            throw ConfigError("forecasting.schedule \"\(forecasting.schedule)\" is not a cron schedule (minute hour day month weekday)")
        }
        guard logs.similarity > 0 && logs.similarity <= 1 else { throw ConfigError("logs.similarity must be in (0, 1]") }
        guard !logs.messageFields.isEmpty else { throw ConfigError("logs.message_fields must name at least one field") }
        for e in forecasting.events {
            guard ["event", "exclude"].contains(e.kind) else { throw ConfigError("forecasting.events \(e.name): kind must be event or exclude") }
            if let schedule = e.schedule {
                guard CronSchedule(schedule) != nil, (e.duration?.ms ?? 0) > 0 else {
                    throw ConfigError("forecasting.events \(e.name): a recurring event needs a cron schedule and a positive duration")
                }
            } else {
                guard let s = e.start.flatMap(TimeParsing.timestampMs), let t = e.end.flatMap(TimeParsing.timestampMs), s < t else {
                    throw ConfigError("forecasting.events \(e.name): needs start < end (RFC 3339), or a schedule and a duration")
                }
            }
        }
        if !scaling.grpcListen.isEmpty {
            var grpc = server
            grpc.listen = scaling.grpcListen
            do { _ = try grpc.hostAndPort() } catch { throw ConfigError("scaling.grpc_listen: \(error.detail)") }
            // The same rule as the HTTP listener: beyond loopback only with tokens (KEDA sends the read token).
            if !grpc.isLoopback && (server.readToken.isEmpty || server.writeToken.isEmpty) {
                throw ConfigError("scaling.grpc_listen \(scaling.grpcListen) is beyond loopback: set both server.read_token and server.write_token")
            }
        }
        guard scaling.interval.ms >= 1000, scaling.staleAfter.ms > 0 else { throw ConfigError("scaling.interval must be at least 1s and scaling.stale_after positive") }
        var seen: Set<String> = []
        for w in workloads {
            let id = "workloads \(w.namespace)/\(w.name)"
            guard !w.namespace.isEmpty, !w.name.isEmpty, seen.insert("\(w.namespace)/\(w.name)").inserted else { throw ConfigError("\(id): namespace and name must be set and unique") }
            do { _ = try Selector(parsing: w.load) } catch { throw ConfigError("\(id): load: \(error.detail)") }
            if !w.readyPods.isEmpty { do { _ = try Selector(parsing: w.readyPods) } catch { throw ConfigError("\(id): ready_pods: \(error.detail)") } }
            guard w.capacity > 0 || w.concurrencyTarget > 0 || !w.readyPods.isEmpty else { throw ConfigError("\(id): set capacity, concurrency_target or ready_pods (to derive the capacity)") }
            guard w.capacity >= 0, w.concurrencyTarget >= 0, w.target > 0, w.target <= 1 else { throw ConfigError("\(id): capacity must be >= 0 and target in (0, 1]") }
            guard 0 <= w.minReplicas, w.minReplicas <= w.maxReplicas else { throw ConfigError("\(id): need 0 <= min_replicas <= max_replicas") }
            guard w.quantile.map({ $0 > 0 && $0 < 1 }) ?? true else { throw ConfigError("\(id): quantile must be in (0, 1)") }
            guard w.resolution.ms >= 1000 else { throw ConfigError("\(id): resolution must be at least 1s") }
        }
        for n in incidents.notify {
            guard n.url.hasPrefix("http://") || n.url.hasPrefix("https://") else { throw ConfigError("incidents.notify: \(n.url) is not an http(s) URL") }
            guard ["generic", "slack"].contains(n.format) else { throw ConfigError("incidents.notify \(n.url): format must be generic or slack") }
        }
        guard incidents.groupWindow.ms > 0 else { throw ConfigError("incidents.group_window must be positive") }
        guard incidents.ruleInterval.ms >= 1000, incidents.rcaLookback.ms >= 0 else { throw ConfigError("incidents.rule_interval must be at least 1s and rca_lookback >= 0") }
        for rule in incidents.rules { _ = try rule.parsed() }
        for (i, call) in graph.calls.enumerated() where call.from.isEmpty || call.to.isEmpty || call.from == call.to {
            throw ConfigError("graph.calls[\(i)]: from and to must name two different services")
        }
        for job in scrape {
            guard !job.targets.isEmpty else { throw ConfigError("scrape job \(job.job) has no targets") }
            guard job.interval.ms >= 1000 else { throw ConfigError("scrape job \(job.job): interval must be at least 1s") }
        }
        return self
    }
}

/// A duration written as Prometheus writes them (`15s`, `30d`) or as a number of seconds.
package struct ConfigDuration: Codable, Sendable, Equatable, CustomStringConvertible {
    package var ms: Int64

    package init(seconds: Int64) { ms = seconds * 1000 }
    package init(ms: Int64) { self.ms = ms }

    package init(parsing text: String) throws(ConfigError) {
        guard let v = TimeParsing.durationMs(text) else { throw ConfigError("\"\(text)\" is not a duration (examples: 15s, 5m, 2h, 30d)") }
        ms = v
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Double.self) {
            guard n >= 0, let v = TimeParsing.ms(seconds: n) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "\(n) is not a duration in seconds")
            }
            ms = v
        } else {
            let s = try c.decode(String.self)
            guard let v = TimeParsing.durationMs(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "\"\(s)\" is not a duration (examples: 15s, 5m, 2h, 30d)")
            }
            ms = v
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    package var seconds: Double { Double(ms) / 1000 }
    package var duration: Duration { .milliseconds(ms) }

    package var description: String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where ms % size == 0 && ms > 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms)ms"
    }
}
