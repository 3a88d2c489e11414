/// A Prometheus label set: name/value pairs kept sorted by name, names unique.
///
/// The metric name is the `__name__` label, as in Prometheus' data model.
package struct Labels: Sendable, Hashable, Comparable, CustomStringConvertible {
    package static let metricName = "__name__"

    package private(set) var pairs: [(name: String, value: String)]

    /// Builds a label set; later duplicates of a name win, empty values are dropped
    /// (Prometheus treats an empty label value as an absent label).
    package init(_ pairs: [(String, String)]) {
        var byName: [String: String] = [:]
        for (name, value) in pairs { byName[name] = value }
        self.pairs = byName.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    package init(name: String, _ labels: [String: String] = [:]) {
        self.init([(Labels.metricName, name)] + labels.map { ($0.key, $0.value) })
    }

    package var name: String? { self[Labels.metricName] }

    package subscript(_ name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    package var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.name, $0.value) })
    }

    /// The set without these names (order kept: no re-sort).
    package func dropping(_ names: [String]) -> Labels {
        var l = self
        l.pairs.removeAll { names.contains($0.name) }
        return l
    }

    /// The set with only these names.
    package func keeping(_ names: [String]) -> Labels {
        var l = self
        l.pairs.removeAll { !names.contains($0.name) }
        return l
    }

    package func adding(_ name: String, _ value: String) -> Labels {
        Labels(pairs.map { ($0.name, $0.value) } + [(name, value)])
    }

    package static func == (a: Labels, b: Labels) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for p in pairs {
            hasher.combine(p.name)
            hasher.combine(p.value)
        }
    }

    /// Prometheus' order (`labels.Compare`): pair by pair, name then value; a prefix sorts first.
    /// Compares the pairs in place: building the text form per comparison made one 10 MiB value cost seconds per sort.
    package static func < (a: Labels, b: Labels) -> Bool {
        for (x, y) in zip(a.pairs, b.pairs) {
            if x.name != y.name { return x.name < y.name }
            if x.value != y.value { return x.value < y.value }
        }
        return a.pairs.count < b.pairs.count
    }

    /// A label set as a client sent it, checked as Prometheus checks one: a valid metric name, valid and
    /// unique label names. Throws the reason, for the caller to place (line, field).
    package init(checking pairs: [(String, String)]) throws(LabelError) {
        var seen = Set<String>()
        for (name, value) in pairs {
            if name == Labels.metricName {
                guard Labels.isMetricName(value) else { throw LabelError("metric name \"\(Labels.escape(String(value.prefix(200))))\" is not valid ([a-zA-Z_:][a-zA-Z0-9_:]*)") }
            } else {
                guard Labels.isLabelName(name) else { throw LabelError("label name \"\(Labels.escape(String(name.prefix(200))))\" is not valid ([a-zA-Z_][a-zA-Z0-9_]*)") }
            }
            guard seen.insert(name).inserted else { throw LabelError("label name \"\(name)\" is not unique") }
        }
        self.init(pairs)
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    package static func isMetricName(_ s: String) -> Bool { isName(s, colon: true) }
    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    package static func isLabelName(_ s: String) -> Bool { isName(s, colon: false) }

    static func isName(_ s: String, colon: Bool) -> Bool {
        var first = true
        for c in s.utf8 {
            let letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || (colon && c == 58)
            guard letter || (!first && c >= 48 && c <= 57) else { return false }
            first = false
        }
        return !first
    }

    /// Prometheus' text form: `name{a="x",b="y"}`.
    package var description: String {
        var out = name ?? ""
        let rest = pairs.filter { $0.name != Labels.metricName }
        if !rest.isEmpty || out.isEmpty {
            out += "{" + rest.map { "\($0.name)=\"\(Labels.escape($0.value))\"" }.joined(separator: ",") + "}"
        }
        return out
    }

    package static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    /// A metric or label name made valid for Prometheus (`[a-zA-Z_:][a-zA-Z0-9_:]*`),
    /// with CamelCase split into snake_case: `CpuUsageRate(%)` → `cpu_usage_rate`.
    package static func sanitizedName(_ raw: String) -> String {
        var out = ""
        var previous: Character = "_"
        for c in raw {
            if c.isLetter && c.isASCII || c.isNumber && c.isASCII {
                if c.isUppercase && (previous.isLowercase || previous.isNumber) && out.last != "_" { out.append("_") }
                out.append(Character(c.lowercased()))
            } else if out.last != "_" && !out.isEmpty {
                out.append("_")
            }
            previous = c
        }
        while out.hasSuffix("_") { out.removeLast() }
        if out.isEmpty { return "_" }
        if out.first!.isNumber { out = "_" + out }
        return out
    }
}

/// One observation: Unix milliseconds (UTC) and a float64 value.
/// NaN, ±Inf and Prometheus' stale marker are kept bit for bit.
package struct Sample: Sendable, Equatable {
    package var timestampMs: Int64
    package var value: Double

    package init(_ timestampMs: Int64, _ value: Double) {
        self.timestampMs = timestampMs
        self.value = value
    }

    package static func == (a: Sample, b: Sample) -> Bool {
        a.timestampMs == b.timestampMs && a.value.bitPattern == b.value.bitPattern
    }
}

/// Prometheus' staleness marker: a signalling NaN with this exact bit pattern.
package enum StaleMarker {
    package static let bitPattern: UInt64 = 0x7ff0_0000_0000_0002
    package static var value: Double { Double(bitPattern: bitPattern) }
    package static func isStale(_ v: Double) -> Bool { v.bitPattern == bitPattern }
    /// Prometheus' default look-back: a point at time t takes the newest sample in (t − 5m, t].
    package static let lookbackMs: Int64 = 5 * 60_000
}

/// A series with its samples in time order.
package struct Series: Sendable, Equatable {
    package var labels: Labels
    package var samples: [Sample]

    package init(labels: Labels, samples: [Sample]) {
        self.labels = labels
        self.samples = samples
    }
}
