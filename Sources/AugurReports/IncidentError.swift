/// An alert payload, incident request or report the incident desk refuses.
package struct IncidentError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable {
        /// A payload or parameter that does not parse or is out of range (`field` names where).
        case badInput
        /// No such incident.
        case notFound
    }

    package let code: Code
    package let detail: String
    package let field: String?

    package init(_ code: Code, _ detail: String, field: String? = nil) {
        self.code = code
        self.detail = detail
        self.field = field
    }

    package var description: String { detail }
}
