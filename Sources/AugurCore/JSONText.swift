/// Hand-written JSON for hot paths and canonical forms (label sets stored and served).
package enum JSONText {
    /// A JSON string literal (RFC 8259 escaping).
    package static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A label set as a JSON object with sorted keys: `{"__name__":"up","job":"a"}`.
    package static func object(_ labels: Labels) -> String {
        "{" + labels.pairs.map { string($0.name) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }

    /// A string map as a JSON object with sorted keys (empty values kept, unlike a label set).
    package static func object(_ map: [String: String]) -> String {
        "{" + map.sorted { $0.key < $1.key }.map { string($0.key) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }
}
