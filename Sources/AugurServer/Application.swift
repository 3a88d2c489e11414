import AugurApp
package import AugurCore
import AugurIngest
import AugurLogs
import AugurReports
package import AugurStore
import AsyncHTTPClient
import Hummingbird
package import Logging
import NIOCore
package import ServiceLifecycle
package import UnixSignals

/// Builds and runs the Augur HTTP service and its background services.
package enum AugurApplication {
    /// Runs the service until SIGTERM/SIGINT (graceful shutdown) or until the calling task is cancelled.
    package static func run(
        config: AugurConfig,
        store: Store,
        logger: Logger,
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await serviceGroup(config: config, store: store, logger: logger, shutdownSignals: shutdownSignals, onBound: onBound).run()
    }

    /// The service group to run; `triggerGracefulShutdown()` stops it cleanly (tests, benchmarks).
    package static func serviceGroup(
        config: AugurConfig,
        store: Store,
        logger: Logger,
        shutdownSignals: [UnixSignal] = [],
        routes: RouteList = RouteList(),
        onBound: @escaping @Sendable (Int) async -> Void = { _ in },
        onScalerBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> ServiceGroup {
        let (app, background) = try make(config: config, store: store, logger: logger, routes: routes, onBound: onBound, onScalerBound: onScalerBound)
        // The background services run beside the HTTP server in one group (Application.run() alone would not run them).
        return ServiceGroup(configuration: .init(services: [app] + background, gracefulShutdownSignals: shutdownSignals, logger: logger))
    }

    /// The HTTP application for `config` over an open store, and its background services.
    /// `onBound` receives the bound port (tests use port 0).
    static func make(
        config: AugurConfig,
        store: Store,
        logger: Logger,
        httpClient: HTTPClient = .shared,
        routes: RouteList = RouteList(),
        onBound: @escaping @Sendable (Int) async -> Void = { _ in },
        onScalerBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> (some ApplicationProtocol & Service, [any Service]) {
        let (host, port) = try config.server.hostAndPort()
        let ingestor = Ingestor(store: store, policy: IngestPolicy(limits: config.limits, checksWindow: true))
        let metrics = ServerMetrics()
        let board = ScaleBoard(workloads: config.workloads, settings: config.scaling, store: store, ingestor: ingestor, logger: logger,
                               onDecision: metrics.setRecommendation)
        let base = Router()
        base.add(middleware: MetricsMiddleware(metrics: metrics))
        base.add(middleware: SecurityHeadersMiddleware())
        base.add(middleware: ProblemMiddleware())
        base.add(middleware: CanonicalPathMiddleware())
        let auth = Authorizer(server: config.server, externalURL: config.incidents.externalURL)
        let router = ScopedRouter(base, auth: auth, entries: routes)
        LoginRoutes(auth: auth, config: config.server).register(on: router)
        let api = APIRoutes(ingestor: ingestor, metrics: metrics, config: config.server, limits: config.limits)
        api.register(on: router)
        let ruleStatus = RuleStatus()
        RuleRoutes(config: config.incidents, status: ruleStatus).register(on: router)
        ForecastRoutes(store: store, maxBodyBytes: config.server.maxBodyBytes, calendar: config.forecasting.events,
                       detectIncidents: config.forecasting.detectIncidents, limits: config.limits).register(on: router)
        CalendarRoutes(store: store, configured: config.forecasting.events).register(on: router)
        let logs = try LogPipeline(store: store, options: try LogPipeline.Options(config.logs))
        for pattern in config.logs.pinned { _ = try logs.pin(pattern, regex: false) }
        LogRoutes(pipeline: logs, config: config.server).register(on: router)
        RCARoutes(store: store, config: config.server, limits: config.limits).register(on: router)
        ChangeRoutes(store: store, config: config.server).register(on: router)
        ScaleRoutes(board: board, store: store).register(on: router)
        var desk = IncidentDesk(store: store)
        desk.groupWindowMs = config.incidents.groupWindow.ms
        desk.rcaLookbackMs = config.incidents.rcaLookback.ms
        let notifier = IncidentNotifier(targets: config.incidents.notify, baseURL: config.incidents.externalURL, client: httpClient, logger: logger)
        let office = IncidentOffice(desk: desk) { id in await notifier.opened(id, store: store) }
        IncidentRoutes(office: office, store: store, config: config.server, auth: auth).register(on: router)

        var services: [any Service] = [StoreMaintenanceService(store: store, storage: config.storage, logger: logger),
                                       GraphService(store: store, graph: config.graph, logger: logger)]
        if let schedule = CronSchedule(config.forecasting.schedule), !config.forecasting.selectors.isEmpty {
            services.append(RetrainService(retrainer: Retrainer(store: store, config: config.forecasting, logger: logger), schedule: schedule, logger: logger))
        }
        if !config.incidents.rules.isEmpty {
            services.append(AlertRuleService(office: office, store: store, config: config.incidents, metrics: metrics, logger: logger, ingestor: ingestor, status: ruleStatus))
        }
        if !config.workloads.isEmpty {
            services.append(RecommenderService(board: board, interval: config.scaling.interval.duration, logger: logger))
            if !config.scaling.grpcListen.isEmpty {
                var grpc = config.server
                grpc.listen = config.scaling.grpcListen
                let (gHost, gPort) = try grpc.hostAndPort()
                services.append(KEDAScalerService(scaler: KEDAExternalScaler(board: board, interval: config.scaling.interval.duration), auth: auth,
                                                  host: gHost, port: gPort, logger: logger, onBound: onScalerBound))
            }
        }
        if !config.scrape.isEmpty {
            services.append(ScrapeService(jobs: config.scrape, ingestor: ingestor, metrics: metrics, client: httpClient, logger: logger))
        }
        let idle = TimeAmount.milliseconds(config.server.requestTimeout.ms)
        let app = Application(
            router: base,
            // Go's (and so Prometheus') header limit is 1 MiB: long query URLs from Grafana get an answer, not a bare 400.
            server: .http1(configuration: .init(idleTimeout: idle, httpDecoderConfiguration: .init(maxHeaderFieldSize: 1 << 20, maxHeaderListSize: 1 << 20))),
            configuration: .init(address: .hostname(host, port: port), serverName: "augur"),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? port) },
            logger: logger
        )
        return (app, services)
    }
}

/// Runs `group` while `body` runs, then shuts it down gracefully and waits for it.
package func runUntilDone<T: Sendable>(_ group: ServiceGroup, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            try await group.run()
            return nil
        }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
