import ArgumentParser
package import AugurLogs

/// Options that steer the miner (`augur logs parse`).
package struct MinerOptions: ParsableArguments {
    @Option(name: .long, help: "A regular expression whose matches are variables (repeatable).")
    var mask: [String] = []

    @Option(help: "Share of equal tokens a message needs to join a template.")
    var similarity = 0.5

    package init() {}

    package func options() throws -> TemplateMiner.Options {
        var o = TemplateMiner.Options()
        guard similarity > 0 && similarity <= 1 else { throw ValidationError("--similarity must be in (0, 1]") }
        o.similarity = similarity
        o.masks = try mask.map { (m) throws(LogPattern.Invalid) in try LogPattern(m) }
        return o
    }
}
