package import AugurCore
import Foundation

/// What a log record says: the message to mine, its level, and whether it continues the line before.
package enum LogMessage {
    /// Whether `message` may continue the stream's previous line as part of one event: a stack trace's
    /// frames and causes (Java's `\tat …`, `Caused by: …`, `\t... 12 more`; Python's indented
    /// `  File "…"` lines; Go's tab-indented frames), logged within a second of it. Shippers that send
    /// each line of a stack trace as its own record (Docker's JSON log driver does) would otherwise
    /// make every frame a template and every exception dozens of lines. Lines of one batch only, the
    /// stream's line among the 64 before it.
    package static func looksContinued(_ message: String) -> Bool {
        message.hasPrefix("\t") || message.hasPrefix("  ") || message.hasPrefix("Caused by: ") || message.hasPrefix("Suppressed: ")
    }

    package static func isWithinASecond(_ ns: Int64, after previousNs: Int64) -> Bool {
        let (gap, overflow) = ns.subtractingReportingOverflow(previousNs)
        return !overflow && gap >= 0 && gap <= 1_000_000_000
    }

    /// ⌊a / b⌋ for b > 0, without negating `a` (Int64.min has no negation).
    package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b < 0 ? q - 1 : q
    }

    /// The message to mine and the level: a JSON line's message field (one level of nesting, as in
    /// Docker's `{"log": "<the app's JSON line>"}`), its other fields kept as attributes; otherwise the
    /// line. The level comes from labels, fields, or the first words of the message.
    package static func message(of record: inout LogRecord, fields: [String]) -> (String, String) {
        var message = record.message ?? record.line
        var level = record.labels["level"] ?? record.labels["severity"] ?? record.labels["detected_level"] ?? record.attributes["level"]
        for _ in 0..<2 {
            let trimmed = message.drop { $0 == " " }
            guard trimmed.first == "{", let data = trimmed.data(using: .utf8),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { break }
            guard let field = fields.first(where: { object[$0] is String }), let text = object[field] as? String else { break }
            for (key, value) in object where key != field {
                let text = value as? String ?? (value as? NSNumber)?.stringValue ?? ""
                switch key.lowercased() {
                case "level", "severity", "lvl", "levelname", "loglevel": level = level ?? text
                case "trace_id", "traceid": record.traceId = record.traceId ?? text
                case "span_id", "spanid": record.spanId = record.spanId ?? text
                case "time", "timestamp", "ts", "stream": break
                default: record.attributes[key] = text
                }
            }
            message = text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        return (message, normalisedLevel(level) ?? levelInText(message) ?? "unknown")
    }

    package static func normalisedLevel(_ raw: String?) -> String? {
        guard let raw else { return nil }
        return level(lowercased: raw.lowercased())
    }

    private static func level(lowercased word: String) -> String? {
        switch word {
        case "trace", "finest", "finer": return "trace"
        case "debug", "dbug", "fine", "d": return "debug"
        case "info", "information", "informational", "notice", "i": return "info"
        case "warn", "warning", "w": return "warn"
        case "error", "err", "e", "severe": return "error"
        case "fatal", "critical", "crit", "panic", "emerg", "emergency", "alert", "f": return "fatal"
        default: return nil
        }
    }

    /// The words of `level(lowercased:)` that count in a message's text (3 to 11 letters; of three,
    /// only `err`), packed a byte at a time into two integers, with their levels: a word read is
    /// compared as two integers with each of them (a string switch per word, then a vector written
    /// a byte at a time, stood out in the profile of a Loki push).
    private static let textLevels: [(word: PackedWord, level: String)] = [
        "trace", "finest", "finer", "debug", "dbug", "fine", "info", "information", "notice", "warn", "warning",
        "error", "err", "severe", "fatal", "critical", "crit", "panic", "emerg", "emergency", "alert",
    ].map { w in
        var packed = PackedWord()
        for b in w.utf8 { packed.append(b) }
        return (packed, level(lowercased: w)!)
    }

    /// Up to 12 bytes, little end first.
    private struct PackedWord: Equatable {
        var low: UInt64 = 0, high: UInt64 = 0, count = 0

        @inline(__always) mutating func append(_ b: UInt8) {
            if count < 8 { low |= UInt64(b) << UInt64(8 * count) } else if count < 12 { high |= UInt64(b) << UInt64(8 * (count - 8)) }
            count += 1
        }
    }

    /// A level word among the first eight words of a message (`2024-… ERROR …`, `[warn] …`). Runs on
    /// every line, so it looks at bytes: only words of 3 to 11 letters are looked up.
    package static func levelInText(_ message: String) -> String? {
        var word = PackedWord()  // lowered as it is read
        var words = 0, letters = true
        func check() -> String? {
            guard letters, word.count >= 3, word.count <= 11 else { return nil }
            return textLevels.first { $0.word == word }?.level
        }
        for b in message.utf8 {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                guard word.count > 0 else { continue }
                if let l = check() { return l }
                words += 1
                if words == 8 { return nil }
                (word, letters) = (PackedWord(), true)
            case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                continue
            default:
                if !((b | 0x20) >= 97 && (b | 0x20) <= 122) { letters = false }
                if letters { word.append(b | 0x20) } else { word.count += 1 }
            }
        }
        return word.count > 0 ? check() : nil
    }
}
