/// A load trace, policy or workload the recommender cannot use.
package struct ScaleError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// A trace or parameter that does not parse or is out of range.
        case badInput
        /// No such workload.
        case notFound
        /// The workload has no recommendation yet.
        case notReady
    }

    package let code: Code
    package let detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package var description: String { detail }
}
