import AugurCore
import AugurRCA
import AugurTestSupport
import Foundation
import Testing
import Yams

/// The files in server/ stay valid: the example config is the defaults, manifests parse, the spec matches the routes.
@Suite struct DeploymentFilesTests {
    func text(_ rel: String) throws -> String { try String(contentsOfFile: repositoryRoot + "/" + rel, encoding: .utf8) }

    @Test func exampleConfigShowsTheDefaults() throws {
        let decoded = try YAMLDecoder().decode(AugurConfig.self, from: text("server/augur.yaml"))
        #expect(decoded == AugurConfig())
    }

    @Test func kubernetesManifestsParse() throws {
        let docs = try Yams.load_all(yaml: text("server/k8s/augur.yaml")).compactMap { $0 as? [String: Any] }
        let kinds = docs.compactMap { $0["kind"] as? String }
        #expect(Set(kinds).isSuperset(of: ["Deployment", "Service", "PersistentVolumeClaim", "ConfigMap"]))
        for doc in docs {
            #expect(doc["apiVersion"] is String)
            #expect(((doc["metadata"] as? [String: Any])?["name"] as? String)?.isEmpty == false)
        }
        let deployment = try #require(docs.first { $0["kind"] as? String == "Deployment" })
        let container = ((((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first
        #expect(((container?["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/readyz")
        #expect(((container?["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/healthz")
        // The ConfigMap's embedded config must decode as Augur's config.
        let configMap = try #require(docs.first { $0["kind"] as? String == "ConfigMap" })
        let embedded = try #require((configMap["data"] as? [String: String])?["augur.yaml"])
        _ = try YAMLDecoder().decode(AugurConfig.self, from: embedded)
    }

    /// The ArgoCD notifications example posts to Augur's webhook a body the webhook accepts.
    @Test func argoCDNotificationsTemplatePostsWhatTheWebhookReads() throws {
        let doc = try #require(try Yams.load(yaml: text("server/argocd-notifications.yaml")) as? [String: Any])
        let data = try #require(doc["data"] as? [String: String])
        #expect(data["service.webhook.augur"]?.contains("/api/v1/events/argocd") == true)
        let templateText = try #require(data["template.augur-change-event"])
        let template = try #require(try Yams.load(yaml: templateText) as? [String: Any])
        let body = try #require(((template["webhook"] as? [String: Any])?["augur"] as? [String: Any])?["body"] as? String)
        // Rendered by ArgoCD with an app; here with the template fields filled in as ArgoCD would.
        let rendered = body.replacingOccurrences(of: #"\{\{[^}]*\}\}"#, with: "x", options: .regularExpression)
        let event = try ChangeEvents.argoCD(Array(rendered.replacingOccurrences(of: "\"finishedAt\": \"x\"", with: "\"finishedAt\": \"2026-01-01T00:00:00Z\"").utf8), nowMs: 0)
        #expect(event.kind == .deploy && event.source == "argocd" && event.timeMs == 1_767_225_600_000)
        #expect(data["trigger.on-deployed"]?.contains("augur-change-event") == true)
    }

    @Test func autoscalingManifestsUseEveryPath() throws {
        let docs = try Yams.load_all(yaml: text("server/k8s/autoscaling.yaml")).compactMap { $0 as? [String: Any] }
        let triggers = docs.filter { $0["kind"] as? String == "ScaledObject" }.flatMap { (($0["spec"] as? [String: Any])?["triggers"] as? [[String: Any]]) ?? [] }
        #expect(Set(triggers.compactMap { $0["type"] as? String }).isSuperset(of: ["metrics-api", "external"]))
        let metricsAPI = try #require(triggers.first { $0["type"] as? String == "metrics-api" }?["metadata"] as? [String: Any])
        #expect(metricsAPI["valueLocation"] as? String == "replicas" && (metricsAPI["url"] as? String)?.contains("/api/v1/scale/") == true)
        for so in docs where so["kind"] as? String == "ScaledObject" {
            #expect(((so["spec"] as? [String: Any])?["fallback"] as? [String: Any])?["replicas"] is Int, "KEDA fallback replicas set")
        }
        let hpa = try #require(docs.first { $0["kind"] as? String == "HorizontalPodAutoscaler" })
        let metrics = ((hpa["spec"] as? [String: Any])?["metrics"] as? [[String: Any]]) ?? []
        #expect(metrics.contains { ($0["external"] as? [String: Any]).flatMap { ($0["metric"] as? [String: Any])?["name"] as? String } == "augur_recommended_replicas" })
    }

    @Test func retrainCronJobRunsIndexedShards() throws {
        let doc = try #require(try Yams.load(yaml: text("server/k8s/retrain-cronjob.yaml")) as? [String: Any])
        #expect(doc["kind"] as? String == "CronJob")
        let job = ((doc["spec"] as? [String: Any])?["jobTemplate"] as? [String: Any])?["spec"] as? [String: Any]
        #expect(job?["completionMode"] as? String == "Indexed")
        #expect(CronSchedule((doc["spec"] as? [String: Any])?["schedule"] as? String ?? "") != nil)
        let args = (((job?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first?["args"] as? [String]
        #expect(args?.first?.contains("retrain") == true && args?.first?.contains("--shard ${JOB_COMPLETION_INDEX}/2") == true)
    }

    @Test func everySpecPathIsServed() async throws {
        let spec = try #require(try Yams.load(yaml: text("server/openapi.yaml")) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        let routes = paths.flatMap { path, methods in methods.keys.filter { ["get", "post"].contains($0) }.map { (path, $0) } }
        try await withTestStore { store, _ in
            try await withTestServer(store: store) { client in
                for (path, method) in routes {
                    let concrete = path.replacingOccurrences(of: "{name}", with: "job").replacingOccurrences(of: "{namespace}", with: "shop")
                        .replacingOccurrences(of: "{workload}", with: "checkout").replacingOccurrences(of: "{id}", with: "1")
                    let reply = try await client.request(method.uppercased(), concrete)
                    // A 404 about the resource (no such workload) is a served route; "not-found" means no route.
                    let routeMissing = reply.status == 404 && (reply.json["type"] as? String)?.hasSuffix("/not-found") != false
                    #expect(!routeMissing && reply.status != 405, "\(method) \(path) → \(reply.status)")
                }
            }
        }
    }
}
