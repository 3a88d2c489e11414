import AugurCore
import AugurNumerics
import AugurForecast
import AugurIngest
import AugurLogs
import AugurReports
import AugurScaling
import AugurStore
import Foundation

/// Runs a command body, printing domain errors as one line on stderr with a sysexits-style code.
package func reportingFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as any AugurError {
        fail(e.description, code: exitCode(e))
    } catch let e as LogPattern.Invalid {
        fail(e.description, code: 64)  // EX_USAGE: a format or mask that does not compile
    }
}

/// The one mapping from a domain error to an exit code (sysexits(3)).
func exitCode(_ e: any AugurError) -> Int32 {
    switch e {
    case let e as IngestError: e.code == .unreadable ? 66 : 65  // EX_NOINPUT, EX_DATAERR
    case let e as StoreError: e.code == .locked ? 75 : 74  // EX_TEMPFAIL (another writer), EX_IOERR
    case is ConfigError: 78  // EX_CONFIG
    case let e as ForecastError: e.code == .numerical ? 70 : 65  // EX_SOFTWARE, EX_DATAERR
    case let e as ScaleError: e.code == .badInput ? 65 : 69  // EX_DATAERR, EX_UNAVAILABLE
    case let e as DataSetError: e.code == .notADirectory ? 64 : (e.code == .unreadable ? 66 : 65)
    case let e as IncidentError: e.code == .badInput ? 65 : 66  // EX_DATAERR, EX_NOINPUT (no such incident)
    default: 64  // EX_USAGE: a query, label set or change event as given
    }
}

package func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("augur: error: \(message)\n".utf8))
    exit(code)
}

package func note(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
