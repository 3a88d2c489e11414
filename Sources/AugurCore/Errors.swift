/// Errors of query parameters and selectors (bad input from a client).
package struct QueryError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable { case badSelector, badParameter, tooManyPoints, tooManySeries, tooManySamples, timeout, cancelled }
    package let code: Code
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package var description: String { detail }
}

/// Errors of configuration: a file, an environment variable or a flag that cannot be used.
package struct ConfigError: Error, Sendable, CustomStringConvertible {
    package let detail: String
    package init(_ detail: String) { self.detail = detail }
    package var description: String { detail }
}
