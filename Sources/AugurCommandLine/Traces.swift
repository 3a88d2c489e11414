package import AugurScaling
import AugurIngest
import Foundation

/// A load trace file (`timestamp,value` CSV) as the scaling commands read it.
package func loadTrace(_ path: String) throws -> LoadTrace {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw IngestError(.unreadable, format: "trace", "cannot read \(path)")
    }
    return try LoadTrace.csv(text, name: path)
}
