import AugurApp
import AugurCore
import AugurIngest
@testable import AugurLogs
import AugurStore
import AugurTestSupport
import Foundation
import Testing

@Suite struct TemplateMinerTests {
    func mine(_ lines: [String], _ options: TemplateMiner.Options = .init()) -> (TemplateMiner, [Int]) {
        let miner = TemplateMiner(options: options)
        let assigned = lines.map { miner.add(Array($0.utf8)[...]) }
        return (miner, assigned)
    }

    @Test func variablesAreMaskedAndLinesGroupedOnline() {
        let (miner, a) = mine([
            "Connection from 10.0.0.1:5432 closed after 35ms",
            "Connection from 10.0.0.2:80 closed after 1.5s",
            "Accepted login for uid=1000 from host-1",
            "Accepted login for uid=1001 from host-2",
            "Deleting block blk_123 file /data/1/blk_123",
        ])
        #expect(miner.text(a[0]) == "Connection from <*> closed after <*>")
        #expect(miner.id(a[0]) == miner.id(a[1]))
        #expect(miner.text(a[2]) == "Accepted login for uid=<*> from host-<*>" && miner.id(a[2]) == miner.id(a[3]))
        #expect(miner.id(a[4]) != miner.id(a[0]))
        #expect(miner.templates.count == 3)
    }

    /// A mask's match is a variable per piece between path delimiters, and a token holding a masked
    /// part is a variable position: partly masked ids (`b<*>-fe<*>a`) join one template, whose text
    /// keeps the code's punctuation (`<*>:<*>`, `[line=<*>]`, `core.<*>`).
    @Test func partlyMaskedTokensAreVariablesAndTemplatesKeepTheirPunctuation() throws {
        var options = TemplateMiner.Options()
        options.masks = [try LogPattern("\\d+"), try LogPattern("(\\d+\\.){3}\\d+(:\\d+)?")]
        let (miner, a) = mine([
            "instance b12-fe3a-9b claimed by worker w7 [line=12]",
            "instance c4-aa1e-2c claimed by worker w9 [line=80]",
            "instance d77-0f-e1 claimed by worker w1 [line=3]",
            "replica at 10.0.0.1:50010 is added to core.12",
            "replica at 10.0.0.2:50011 is added to core.7",
        ], options)
        #expect(Set(a[0...2].map(miner.id)).count == 1, "\(miner.templates.map(\.text))")
        #expect(miner.text(a[0]) == "instance <*> claimed by worker <*> [line=<*>]")
        #expect(miner.id(a[3]) == miner.id(a[4]))
        #expect(miner.text(a[3]) == "replica at <*>:<*> is added to core.<*>")
    }

    @Test func differingTokensGeneraliseInsideTheToken() {
        #expect(String(decoding: TemplateText.generalise(Array("user=alice".utf8), Array("user=bob".utf8)), as: UTF8.self) == "user=<*>")
        #expect(String(decoding: TemplateText.generalise(Array("LOCAL(0),".utf8), Array("<*>,".utf8)), as: UTF8.self) == "<*>,")
        #expect(String(decoding: TemplateText.generalise(Array("closed".utf8), Array("opened".utf8)), as: UTF8.self) == "<*>")
        #expect(TemplateText.fits(Array("user=<*>".utf8)[...], Array("user=carol".utf8)[...]))
        #expect(!TemplateText.fits(Array("user=<*>".utf8)[...], Array("user=".utf8)[...]))
        #expect(TemplateText.canonical(Array("/<*>:<*>".utf8)[...]) == "<*>:<*>")
        #expect(TemplateText.canonical(Array("[ib_sm.c:1831]".utf8)[...]) == "[ib_sm.c:<*>]")
        #expect(TemplateText.canonical(Array("/var/log/messages".utf8)[...]) == "<*>")
    }

    @Test func differentPlainWordsKeepTemplatesApart() {
        let (miner, a) = mine(["Ending TrustedInstaller initialization.", "Ending TrustedInstaller finalization.",
                               "Session 1_2 initialized by client SPP.", "Session 3_4 initialized by client WindowsUpdateAgent."])
        #expect(miner.id(a[0]) != miner.id(a[1]))
        #expect(miner.id(a[2]) != miner.id(a[3]))
    }

    /// A position that takes many different plain words is a variable: one template per user until
    /// the fourth user, then one template for all of them, under the oldest id; a word that comes in
    /// two variants stays part of the template.
    @Test func aPlainWordThatVariesIsAVariable() {
        let miner = TemplateMiner()
        let users = ["alice", "bob", "carol", "dave", "erin"]
        var a = users.prefix(3).flatMap { user in (0..<2).map { _ in miner.add(Array("session closed for user \(user)".utf8)[...]) } }
        #expect(miner.liveCount == 3, "three users are not yet a variable")
        a += users.dropFirst(3).flatMap { user in (0..<2).map { _ in miner.add(Array("session closed for user \(user)".utf8)[...]) } }
        #expect(Set(a.map(miner.id)) == [1], "\(miner.templates.map(\.text))")
        #expect(miner.text(a[0]) == "session closed for user <*>" && miner.templates.first?.count == 10)
        let states = ["job state now RUNNING", "job state now STOPPED", "job state now RUNNING"].map { miner.add(Array($0.utf8)[...]) }
        #expect(miner.id(states[0]) != miner.id(states[1]) && miner.id(states[0]) == miner.id(states[2]))
        #expect(miner.liveCount == 3)
    }

    @Test func userMasksAndCommonVariableKinds() throws {
        var options = TemplateMiner.Options()
        options.masks = [try LogPattern("blk_-?\\d+")]
        let (miner, a) = mine(["Served blk_-42 to 192.168.1.4 in 12ms uuid 123e4567-e89b-12d3-a456-426614174000 at 0x7fff12",
                               "Served blk_77 to 10.1.1.1 in 3ms uuid 00000000-0000-0000-0000-000000000001 at 0xdeadbeef1"], options)
        #expect(miner.text(a[0]) == "Served <*> to <*> in <*> uuid <*> at <*>")
        #expect(miner.id(a[0]) == miner.id(a[1]))
    }

    @Test func generalisingKeepsTheIdAndTwinsMerge() {
        let (miner, a) = mine(["job j-a1 started on node n1", "job j-b2 started on node n1", "job j-c3 started on node n2"])
        #expect(Set(a.map(miner.id)).count == 1, "a template that generalises keeps its id")
        #expect(miner.text(a[0]) == "job j-<*> started on node <*>", "`-` separates a variable from a word (Loghub-2.0's rule)")
        #expect(miner.templates.count == 1)
    }

    @Test func pinnedTemplatesTakePrecedence() throws {
        let miner = TemplateMiner()
        let pinned = try miner.pin("payment <*> failed: <*>")
        let a = miner.add(Array("payment 42 failed: card declined".utf8)[...])
        let b = miner.add(Array("payment 43 failed: timeout".utf8)[...])
        #expect(miner.resolve(a) == pinned && miner.resolve(b) == pinned)
        #expect(miner.text(a) == "payment <*> failed: <*>")
        let regex = try miner.pin("^GET /health.*$", regex: true)
        #expect(miner.resolve(miner.add(Array("GET /healthz 200".utf8)[...])) == regex)
    }

    @Test func operatorMergeFoldsOneTemplateIntoAnother() {
        let (miner, a) = mine(["disk full on sda", "disk quota exceeded on sdb"])
        let (x, y) = (miner.id(a[0]), miner.id(a[1]))
        #expect(x != y)
        #expect(miner.merge(y, into: x))
        #expect(miner.id(a[1]) == x)
        #expect(!miner.merge(y, into: x), "already merged")
        #expect(miner.templates.count == 1)
    }

    @Test func restoredMinerAssignsAsBefore() throws {
        let lines = (0..<50).map { "worker \($0 % 5) finished task \($0) in \($0 * 3)ms" } + (0..<20).map { "cache miss for key k\($0)" }
        let (miner, a) = mine(lines)
        let restored = TemplateMiner(firstId: miner.nextId)
        for t in miner.templates { try restored.restore(t) }
        for (line, index) in zip(lines, a) {
            #expect(restored.id(restored.add(Array(line.utf8)[...])) == miner.id(index), "\(line)")
        }
        #expect(restored.templates.count == miner.templates.count)
    }

    @Test func headerFormatsSplitTheContent() throws {
        let hdfs = try HeaderFormat("<Date> <Time> <Pid> <Level> <Component>: <Content>")
        let scratch = ByteRegex.Scratch()
        let parsed = try #require(hdfs.parse(Array("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38 terminating".utf8)[...], scratch: scratch))
        #expect(parsed.fields["Level"] == "INFO" && parsed.fields["Component"] == "dfs.DataNode$PacketResponder")
        #expect(String(decoding: parsed.content, as: UTF8.self) == "PacketResponder 1 for block blk_38 terminating")
        let thunderbird = try HeaderFormat("<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\\[<PID>\\])?: <Content>")
        let t = try #require(thunderbird.parse(Array("- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2916]: (root) CMD (run-parts /etc/cron.hourly)".utf8)[...], scratch: scratch))
        #expect(t.fields["Component"] == "crond" && t.fields["PID"] == "2916")
        #expect(hdfs.parse(Array("not a header at all".utf8)[...], scratch: scratch) == nil)
        #expect(throws: LogPattern.Invalid.self) { try HeaderFormat("<Date> <Time>") }
    }

    /// The scan finds what the regex finds, field for field, on lines that fit, lines that do not,
    /// and lines where the first place a separator matches is not the one that fits (where the
    /// regex decides); formats with regex syntax between fields are left to the regex.
    @Test func theHeaderScanAgreesWithTheRegex() throws {
        let lines = ["2026-03-01 10:00:01 412 WARN db.Pool: pool: exhausted after 30s",
                     "2026-03-01  10:00:01\t412 INFO a: b: c",
                     "short line", "", "2026-03-01 10:00:01 412 INFO no colon here",
                     "[x] 7 - a - b", "[x]7 - y", " [x] 7 - lead"]
        let formats = ["<Date> <Time> <Pid> <Level> <Component>: <Content>", "\\[<Node>\\] <Id> - <Content>", "[<Node>] <Id> - <Content>"]
        let scratch = ByteRegex.Scratch()
        for format in formats {
            for spelling in [HeaderFormat.Spelling.regex, .literal] {
                let header = try HeaderFormat(format, spelling: spelling)
                guard let scan = header.scan else { continue }
                for line in lines.map({ Array($0.utf8)[...] }) {
                    let caps = header.pattern.firstMatch(line, scratch: scratch)
                    let byRegex = caps.map { c in header.fields.map { header.pattern.names[$0]! }.map { (c[2 * $0])..<(c[2 * $0 + 1]) } }
                    if let byScan = scan.ranges(line) { #expect(byScan == byRegex, "\(format) (\(spelling)): \(String(decoding: line, as: UTF8.self))") }
                }
            }
        }
        #expect(try HeaderFormat(formats[0]).scan != nil && HeaderFormat(formats[1]).scan != nil && HeaderFormat(formats[2], spelling: .literal).scan != nil)
        #expect(try HeaderFormat(formats[2]).scan == nil, "[<Node>] read as a regex is a character class")
        #expect(try HeaderFormat("<Date> <Component>(\\[<PID>\\])?: <Content>").scan == nil)
    }
}

/// Grouping accuracy (Zhu et al., ICSE-SEIP 2019) on the Loghub-2k systems with one setting.
@Suite(.ownThread, .enabled(if: sharedData != nil, "../shared/data is absent: Loghub accuracy test skipped"))
struct LoghubAccuracyTests {
    @Test func everySystemGroupsAbove90Percent() throws {
        let formats = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/../shared/tools/loghub-formats.json"))) as! [String: Any]
        var scores: [String: Double] = [:]
        for (name, value) in formats["systems"] as! [String: [String: Any]] {
            let file = sharedData! + "/loghub/" + (value["log_file"] as! String)
            var options = TemplateMiner.Options()
            options.masks = try (value["masking_regexes"] as! [String]).map { try LogPattern($0) }
            let header = try HeaderFormat(value["log_format"] as! String)
            let miner = TemplateMiner(options: options)
            let scratch = ByteRegex.Scratch()
            let lines = try Data(contentsOf: URL(fileURLWithPath: file)).split(separator: 10).map { [UInt8]($0) }
            let assigned = lines.map { line in miner.add(header.content(line[...], scratch: scratch) ?? line[...]) }
            // The scan's content is the regex's, line for line.
            if let scan = header.scan {
                let group = header.pattern.names["Content"]!
                for line in lines {
                    guard let byScan = scan.ranges(line[...]) else { continue }
                    let caps = try #require(header.pattern.firstMatch(line[...], scratch: scratch), "\(name): the scan fits a line the regex does not")
                    #expect(byScan[scan.content] == caps[2 * group]..<caps[2 * group + 1], "\(name)")
                }
            }
            let rows = try CSVReader(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: file + "_structured.csv"))), source: file).rows().map(\.fields)
            let column = try #require(rows.first?.firstIndex(of: "EventId"))
            let truth = rows.dropFirst().map { $0[column] }
            scores[name] = groupingAccuracy(truth: truth, predicted: assigned.map { String(miner.id($0)) })
        }
        #expect(scores.count == 8)
        for (name, ga) in scores { #expect(ga >= 0.9, "\(name): GA \(ga) (\(scores))") }
        #expect(scores.values.reduce(0, +) / Double(scores.count) >= 0.95, "\(scores)")
    }
}

@Suite struct RawLogFileTests {
    /// The header stamps of the LogPAI systems: compact HDFS and Spark forms, ISO with a comma, Unix.
    @Test func headerStampsOfCommonLogsAreTimes() throws {
        #expect(RawLogFile.stampNs("081109 203615") == 1_226_262_975_000_000_000)
        #expect(RawLogFile.stampNs("17/06/09 20:10:40") == 1_497_039_040_000_000_000)
        #expect(RawLogFile.stampNs("2015-07-29 17:41:44,747") == 1_438_191_704_747_000_000)
        #expect(RawLogFile.stampNs("1117838570") == 1_117_838_570_000_000_000)
        #expect(RawLogFile.stampNs("081109 2036") == nil && RawLogFile.stampNs("17/13/09 20:10:40") == nil && RawLogFile.stampNs("INFO") == nil)
        let header = try HeaderFormat("<Date> <Time> <Pid> <Level> <Component>: <Content>")
        let (records, fit) = RawLogFile.records(Array("081109 203615 148 INFO dfs.DataNode$PacketResponder: Received block blk_1\n".utf8), header: header, fallbackNs: 0)
        #expect(fit.matched == 1 && fit.tried == 1 && records.first?.timestampNs == 1_226_262_975_000_000_000)
    }

    /// A format written as the lines look (`[<Time>]`) and the same format regex-escaped read the same
    /// file alike; one that fits few lines says so, with a line that did not fit.
    @Test func headerFormatsWrittenEitherWayFitTheFile() throws {
        let file = Array("""
            [2026-03-01 10:00:01] (billing) - job 7 started
            [2026-03-01 10:00:02] (billing) - job 7 finished in 3s
            [2026-03-01 10:00:05] (mailer) - queue drained

            """.utf8)
        for format in ["[<Time>] (<Program>) - <Content>", "\\[<Time>\\] \\(<Program>\\) - <Content>"] {
            let header = try HeaderFormat.fitting(format, file: file)
            let (records, fit) = RawLogFile.records(file, header: header, fallbackNs: 0)
            #expect(fit.matched == 3 && fit.warning(format: format, file: "app.log") == nil, "\(format)")
            #expect(records.map(\.message) == ["job 7 started", "job 7 finished in 3s", "queue drained"], "\(format)")
            #expect(records.last?.attributes["Program"] == "mailer")
            #expect(header.spelling == (format.hasPrefix("[") ? .literal : .regex))
        }
        // Where both readings are the same pattern, it is read as LogPAI writes it.
        #expect(try HeaderFormat.fitting("<Level> <Content>", file: file).spelling == .regex)
        let wrong = try HeaderFormat.fitting("<Date> <Time> <Level>: <Content>", file: file)
        let (_, fit) = RawLogFile.records(file, header: wrong, fallbackNs: 0)
        let warning = try #require(fit.warning(format: "<Date> <Time> <Level>: <Content>", file: "app.log"))
        #expect(fit.matched == 0 && warning.contains("fits 0 of 3 lines") && warning.contains("[2026-03-01 10:00:01] (billing) - job 7 started"))
    }
}

@Suite struct LogLevelTests {
    @Test(arguments: [
        ("2024-05-01 12:00:00 ERROR payment failed", "error"),
        ("[warn] disk at 91%", "warn"),
        ("081109 203615 148 INFO dfs.DataNode: Receiving block", "info"),
        ("Level=Fatal: out of memory", nil),  // one word, `level=fatal`, is not a level word
        ("(Critical) fan stopped", "fatal"),
        ("err: no such file", "error"),
        ("GET /api 200 12ms", nil),  // three letters are not a level unless `err`
        ("one two three four five six seven eight ERROR", nil),  // past the eighth word
        ("INFORMATION", "info"),
        ("informational logging", nil),  // longer than 11 letters
        ("", nil),
    ] as [(String, String?)])
    func levelFromTheFirstWords(_ message: String, _ level: String?) {
        #expect(LogMessage.levelInText(message) == level)
    }
}
