import AugurCore
import AugurIngest
import AugurLogs
import AugurStore
import ArgumentParser
import Foundation

/// Runs a command body, printing domain errors as one line on stderr with a sysexits-style code.
func reportingFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as IngestError {
        fail(e.description, code: e.code == .unreadable ? 66 : 65)  // EX_NOINPUT, EX_DATAERR
    } catch let e as QueryError {
        fail(e.detail, code: 64)  // EX_USAGE
    } catch let e as ConfigError {
        fail(e.detail, code: 78)  // EX_CONFIG
    } catch let e as LogPattern.Invalid {
        fail(e.description, code: 64)  // EX_USAGE: a format or mask that does not compile
    } catch let e as StoreError {
        fail(e.description, code: e.code == .locked ? 75 : 74)  // EX_TEMPFAIL (another writer), EX_IOERR
    }
}

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("augur: error: \(message)\n".utf8))
    exit(code)
}

func note(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
