import AugurCore

/// Bad input to an ingest path: what is wrong and where (line, field), safe to show to the client.
package struct IngestError: AugurError {
    package enum Code: String, Sendable {
        /// The body or file does not parse in the named format.
        case malformed
        /// The body, once decompressed, exceeds the configured limit.
        case tooLarge
        /// The format or encoding is not one Augur reads.
        case unsupported
        /// The file or directory cannot be read.
        case unreadable
        /// A configured limit (`field` names its key) would be passed.
        case limit
        /// A timestamp outside the accepted range or the window around the server's clock.
        case outOfWindow
    }

    package let code: Code
    package let format: String
    package let detail: String
    /// 1-based line (text formats) or byte offset (binary formats) of the fault, when known.
    package let line: Int?
    package let field: String?

    package init(_ code: Code, format: String, _ detail: String, line: Int? = nil, field: String? = nil) {
        self.code = code
        self.format = format
        self.detail = detail
        self.line = line
        self.field = field
    }

    package var description: String {
        var where_ = ""
        if let line { where_ += " at line \(line)" }
        if let field { where_ += " (field \(field))" }
        return "\(format): \(detail)\(where_)"
    }
}
