import AugurCore
import AugurIngest
import AugurStore
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Pull mode: scrapes every configured target in the Prometheus text format at its job's interval,
/// adds `job` and `instance` labels and writes an `up` sample per scrape, as Prometheus does.
struct ScrapeService: Service {
    let jobs: [AugurConfig.ScrapeJob]
    let ingestor: Ingestor
    let metrics: ServerMetrics
    let client: HTTPClient
    let logger: Logger

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for job in jobs {
                for (target, url) in zip(job.targets, job.urls) {
                    group.addTask { await loop(job: job, target: target, url: url) }
                }
            }
        }
    }

    private func loop(job: AugurConfig.ScrapeJob, target: String, url: String) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let started = WallClock.nowMs()
            let ok = await scrapeOnce(job: job, target: target, url: url, atMs: started)
            metrics.observeScrape(job: job.job, ok: ok)
            let elapsed = WallClock.nowMs() - started
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(max(0, job.interval.ms - elapsed))) }
        }
    }

    func scrapeOnce(job: AugurConfig.ScrapeJob, target: String, url: String, atMs: Int64) async -> Bool {
        var base = job.labels
        base["job"] = job.job
        base["instance"] = target
        var series: [Series] = []
        var metadata: [MetricMetadata] = []
        var up = 0.0
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "text/plain;version=0.0.4;q=1,*/*;q=0.1")
            let response = try await client.execute(request, timeout: .milliseconds(job.interval.ms))
            guard response.status == .ok else { throw ScrapeFailure(detail: "HTTP \(response.status.code)") }
            let body = try await response.body.collect(upTo: 64 << 20)
            series = try ExpositionParser.parse(String(buffer: body), defaultTimestampMs: atMs, extraLabels: base)
            metadata = ExpositionParser.metadata(Array(body.readableBytesView))
            up = 1
        } catch {
            logger.warning("scrape failed", metadata: ["augur.job": "\(job.job)", "augur.target": "\(target)", "augur.error": "\(error)"])
        }
        series.append(Series(labels: Labels(name: "up", base), samples: [Sample(atMs, up)]))
        do {
            try await WorkLane.store.run { [ingestor, series, metadata] in
                try ingestor.write(series)
                try ingestor.store.writeMetadata(metadata)
            }
        } catch {
            logger.error("writing scraped samples failed", metadata: ["augur.job": "\(job.job)", "augur.error": "\(error)"])
            return false
        }
        return up == 1
    }
}

struct ScrapeFailure: Error {
    let detail: String
}
