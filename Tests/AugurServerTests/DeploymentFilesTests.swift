import AugurCore
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
                    let reply = try await client.request(method.uppercased(), path.replacingOccurrences(of: "{name}", with: "job"))
                    #expect(reply.status != 404 && reply.status != 405, "\(method) \(path) → \(reply.status)")
                }
            }
        }
    }
}
