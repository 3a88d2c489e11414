import Foundation

/// What a workload's predictive headroom may cost: pod-hours over a rolling window, against the
/// reactive HPA's own pod-hours over the same window (replayed on the same load).
package enum ScaleBudget: Codable, Sendable, Equatable, CustomStringConvertible {
    /// At most `ratio` × the reactive HPA's pod-hours.
    case relative(Double)
    /// At most this many pod-hours.
    case podHours(Double)
    /// As few bad minutes as the candidate settings reach, whatever they cost.
    case unlimited

    /// At most 10 % more pod-hours than the reactive HPA.
    package static let standard = ScaleBudget.relative(1.1)

    package static let expected = "a ratio to the HPA's pod-hours >= 1 (1.1 or 110%), a cap (500 pod-hours) or none"

    /// `1.1` or `110%` (relative to the HPA), `500 pod-hours` (a cap), `none` (no limit); nil for anything else.
    package init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        func positive(_ s: Substring) -> Double? { Double(s.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite && $0 > 0 ? $0 : nil } }
        if t == "none" || t == "unlimited" || t == "no limit" {
            self = .unlimited
        } else if t.hasSuffix("pod-hours"), let cap = positive(t.dropLast("pod-hours".count)) {
            self = .podHours(cap)
        } else if t.hasSuffix("%"), let percent = positive(t.dropLast()), percent >= 100 {
            self = .relative(percent / 100)
        } else if let ratio = positive(Substring(t)), ratio >= 1 {
            self = .relative(ratio)
        } else {
            return nil
        }
    }

    /// Pod-hours allowed over the window when the reactive HPA took `hpa` (nil: no limit).
    package func allowance(hpa: Double) -> Double? {
        switch self {
        case .relative(let ratio): ratio * hpa
        case .podHours(let cap): cap
        case .unlimited: nil
        }
    }

    package var description: String {
        switch self {
        case .relative(let ratio): String(format: "%.3g× the HPA's pod-hours", ratio)
        case .podHours(let cap): String(format: "%.4g pod-hours", cap)
        case .unlimited: "no limit"
        }
    }

    /// The form `init(parsing:)` reads back.
    package var text: String {
        switch self {
        case .relative(let ratio): "\(ratio)"
        case .podHours(let cap): "\(cap) pod-hours"
        case .unlimited: "none"
        }
    }

    /// A string in the forms of `init(parsing:)`, or a bare ratio.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = (try? c.decode(String.self)) ?? (try? c.decode(Double.self)).map { "\($0)" } ?? ""
        guard let budget = ScaleBudget(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "budget \(text) is not \(Self.expected)")
        }
        self = budget
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
