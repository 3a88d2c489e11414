import Foundation

/// Wall-clock time in Unix milliseconds, UTC.
package enum WallClock {
    package static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

/// A duration in seconds.
package func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
