package import AugurCore

/// An alert payload, incident request or report the incident desk refuses (`field` names where).
package typealias IncidentError = CodedError<IncidentFault>
package enum IncidentFault: String, Sendable {
    /// A payload or parameter that does not parse or is out of range.
    case badInput
    /// No such incident.
    case notFound
}
