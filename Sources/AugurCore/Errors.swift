/// What every domain error of Augur says, and says the same way: a code naming what went wrong (the
/// HTTP problem and the exit code are chosen from it, each in one place: `Problem.swift` and the
/// command line's `Failure.swift`), a detail safe to show a client, and the field of the input at
/// fault when one is known.
package protocol AugurError: Error, Sendable, CustomStringConvertible {
    associatedtype Code: RawRepresentable<String>, Sendable
    var code: Code { get }
    var detail: String { get }
    var field: String? { get }
}

extension AugurError {
    package var field: String? { nil }
    package var description: String { detail }
}

/// A domain error that is a code, a detail and perhaps a field: most of them
/// (`QueryError`, `ForecastError`, `ScaleError`, …), each code enum naming its own cases.
package struct CodedError<Code: RawRepresentable<String> & Sendable>: AugurError {
    package let code: Code
    package let detail: String
    package let field: String?

    package init(_ code: Code, _ detail: String, field: String? = nil) {
        self.code = code
        self.detail = detail
        self.field = field
    }
}

/// Errors of query parameters and selectors (bad input from a client).
package typealias QueryError = CodedError<QueryFault>
package enum QueryFault: String, Sendable {
    case badSelector, badParameter, tooManyPoints, tooManySeries, tooManySamples, timeout, cancelled
    /// PromQL that does not parse or does not type-check.
    case badQuery
    /// PromQL that parses but cannot be evaluated on this data (duplicate label sets, many-to-many matching).
    case execution
}

/// Errors of configuration: a file, an environment variable or a flag that cannot be used.
package typealias ConfigError = CodedError<ConfigFault>
package enum ConfigFault: String, Sendable { case invalid }

/// Why a client's label set was refused.
package typealias LabelError = CodedError<LabelFault>
package enum LabelFault: String, Sendable { case invalid }

extension CodedError where Code == ConfigFault {
    package init(_ detail: String) { self.init(.invalid, detail) }
}

extension CodedError where Code == LabelFault {
    package init(_ detail: String) { self.init(.invalid, detail) }
}

/// A labelled data set (`augur rca eval`, `augur rca score`) whose layout or files cannot be used.
package typealias DataSetError = CodedError<DataSetFault>
package enum DataSetFault: String, Sendable { case notADirectory, malformed, unreadable }
