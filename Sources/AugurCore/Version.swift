/// Augur's own version (`augur --version`). The Prometheus API's buildinfo reports the Prometheus
/// version whose API Augur answers, which is what clients such as Grafana read there.
package enum AugurVersion {
    package static let current = "0.2.0"
}
