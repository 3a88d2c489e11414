import AugurApp
import AugurCore
import AugurScaling
import Foundation
import GRPCCore
import GRPCNIOTransportCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// KEDA's external scaler (gRPC): the ScaledObject names the workload in its metadata
/// (`workload`, and `namespace` when it differs from the ScaledObject's); the metric is the
/// recommended replica count with a target of 1 per pod, so the HPA KEDA creates wants exactly it.
struct KEDAExternalScaler: Externalscaler_ExternalScaler.SimpleServiceProtocol {
    let board: ScaleBoard
    let interval: Duration

    private func decision(_ ref: Externalscaler_ScaledObjectRef) async throws -> (AugurConfig.Workload, ScaleDecision) {
        let namespace = ref.scalerMetadata["namespace"] ?? ref.namespace
        let workload = ref.scalerMetadata["workload"] ?? ref.name
        do {
            return try board.current(namespace: namespace, workload: workload)
        } catch {
            throw RPCError(code: error.code == .notFound ? .notFound : .unavailable, message: error.detail)
        }
    }

    static func metricName(_ w: AugurConfig.Workload) -> String { "augur-recommended-replicas-\(w.namespace)-\(w.name)" }

    func isActive(request: Externalscaler_ScaledObjectRef, context: ServerContext) async throws -> Externalscaler_IsActiveResponse {
        var r = Externalscaler_IsActiveResponse()
        r.result = try await decision(request).1.replicas > 0
        return r
    }

    /// Sends the activity now and whenever it changes, until KEDA closes the stream (gRPC signals
    /// that through the RPC's cancellation handle, not by cancelling this task).
    func streamIsActive(request: Externalscaler_ScaledObjectRef, response: RPCWriter<Externalscaler_IsActiveResponse>, context: ServerContext) async throws {
        var last: Bool?
        while !context.cancellation.isCancelled {
            let active = try await decision(request).1.replicas > 0
            if active != last {
                var r = Externalscaler_IsActiveResponse()
                r.result = active
                try await response.write(r)
                last = active
            }
            let interval = self.interval
            let pause = Task { try await Task.sleep(for: interval) }
            do { try await withRPCCancellationHandler { try await pause.value } onCancelRPC: { pause.cancel() } } catch { return }
        }
    }

    func getMetricSpec(request: Externalscaler_ScaledObjectRef, context: ServerContext) async throws -> Externalscaler_GetMetricSpecResponse {
        let (w, _) = try await decision(request)
        var spec = Externalscaler_MetricSpec()
        spec.metricName = Self.metricName(w)
        spec.targetSize = 1
        spec.targetSizeFloat = 1
        var r = Externalscaler_GetMetricSpecResponse()
        r.metricSpecs = [spec]
        return r
    }

    func getMetrics(request: Externalscaler_GetMetricsRequest, context: ServerContext) async throws -> Externalscaler_GetMetricsResponse {
        let (w, d) = try await decision(request.scaledObjectRef)
        var value = Externalscaler_MetricValue()
        value.metricName = request.metricName.isEmpty ? Self.metricName(w) : request.metricName
        value.metricValue = Int64(d.replicas)
        value.metricValueFloat = Double(d.replicas)
        var r = Externalscaler_GetMetricsResponse()
        r.metricValues = [value]
        return r
    }
}

/// The HTTP side's token rule on the gRPC side: with a read token set, every RPC carries it as
/// `authorization: Bearer <token>` metadata (what a KEDA `TriggerAuthentication` sets), else
/// `unauthenticated`. Compared in constant time, never logged.
struct TokenInterceptor: ServerInterceptor {
    let auth: Authorizer

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard !auth.isOpen(.read) else { return try await next(request, context) }
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true }) ?? ""
        let token = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
        guard auth.scopes(of: token).contains(.read) else {
            throw RPCError(code: .unauthenticated, message: token.isEmpty ? "send authorization: Bearer <read token> metadata" : "the token is not valid")
        }
        return try await next(request, context)
    }
}

/// Runs the external scaler's gRPC server (plaintext HTTP/2) beside the HTTP service.
struct KEDAScalerService: Service {
    let scaler: KEDAExternalScaler
    let auth: Authorizer
    let host: String
    let port: Int
    let logger: Logger
    let onBound: @Sendable (Int) async -> Void

    func run() async throws {
        let server = GRPCServer(transport: .http2NIOPosix(address: .ipv4(host: host, port: port), transportSecurity: .plaintext),
                                services: [scaler], interceptors: [TokenInterceptor(auth: auth)])
        // KEDA keeps StreamIsActive open for good, so a graceful gRPC shutdown would wait for ever:
        // stopping cancels the server, which cancels its RPCs.
        let serving = Task { try await server.serve() }
        try await withGracefulShutdownHandler {
            let address: GRPCNIOTransportCore.SocketAddress
            do { address = try await server.transport.listeningAddress } catch {
                serving.cancel()
                throw ConfigError("scaling.grpc_listen \(host):\(port): the KEDA external scaler cannot listen there (address in use or not local?)")
            }
            if let bound = address.ipv4?.port {
                logger.info("KEDA external scaler listening", metadata: ["augur.grpc_port": "\(bound)"])
                await onBound(bound)
            }
            do {
                try await withTaskCancellationHandler { try await serving.value } onCancel: { serving.cancel() }
            } catch where serving.isCancelled {
                // Stopped by us: the transport reports the cancellation.
            }
        } onGracefulShutdown: {
            serving.cancel()
        }
    }
}
