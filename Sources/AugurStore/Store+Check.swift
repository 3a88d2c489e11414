import AugurCore
import Foundation

extension Store {
    /// What `augur migrate --check` finds wrong with the file at `path`, read-only and without
    /// changing a byte: SQLite's own check, whether it is an Augur store and how far migrated, and
    /// whether every series, head-log row and chunk decodes. Empty when all is well.
    package static func check(path: String) -> (problems: [String], notes: [String]) {
        guard FileManager.default.fileExists(atPath: path) else { return (["no file at \(path)"], []) }
        var problems: [String] = [], notes: [String] = []
        do throws(StoreError) {
            let conn = try SQLiteConnection(path: path, readOnly: true)
            let quick = try conn.prepare("PRAGMA quick_check(20)")
            while try quick.step() { if quick.text(0) != "ok" { problems.append("sqlite: \(quick.text(0))") } }
            let applied = try Migrations.appliedNames(conn)
            let appID = try conn.scalar("PRAGMA application_id")
            guard applied.contains(Migrations.all[0].name) || appID == Migrations.applicationID else {
                return (problems + ["\(path) is not an Augur store (no Augur migrations applied)"], notes)
            }
            let pending = Migrations.all.map(\.name).filter { !applied.contains($0) }
            if !pending.isEmpty { notes.append("\(pending.count) migrations pending (\(pending.joined(separator: ", "))): augur migrate applies them") }
            var ids = Set<Int64>()
            let series = try conn.prepare("SELECT id, labels FROM series")
            while try series.step() {
                ids.insert(series.int64(0))
                if labelsFromJSON(series.text(1)) == nil { problems.append("series \(series.int64(0)): labels do not decode") }
            }
            let head = try conn.prepare("SELECT id, data FROM head_log ORDER BY id")
            while try head.step() {
                var unknown: Int64?, outOfRange = 0
                do throws(StoreError) {
                    try HeadLog.decode(head.blob(1)) { id, t, _ in
                        if !ids.contains(id) { unknown = id }
                        if !TimeParsing.inRange(t) { outOfRange += 1 }
                    }
                } catch { problems.append("head_log row \(head.int64(0)): \(error.detail)") }
                if let unknown { problems.append("head_log row \(head.int64(0)) names series \(unknown), which does not exist") }
                if outOfRange > 0 { notes.append("head_log row \(head.int64(0)): \(outOfRange) samples outside years 0000-9999 (skipped when the store opens)") }
            }
            let chunks = try conn.prepare("SELECT id, series_id, count, data FROM chunks")
            var chunkCount = 0
            while try chunks.step() {
                chunkCount += 1
                var ts: [Int64] = [], vs: [Double] = []
                do throws(StoreError) { try ChunkCodec.decode(chunks.blob(3), count: Int(chunks.int64(2)), into: &ts, &vs) } catch {
                    problems.append("chunk \(chunks.int64(0)) of series \(chunks.int64(1)): \(error.detail)")
                }
                if !ids.contains(chunks.int64(1)) { problems.append("chunk \(chunks.int64(0)) belongs to series \(chunks.int64(1)), which does not exist") }
            }
            notes.append("\(ids.count) series, \(chunkCount) chunks")
        } catch {
            problems.append(error.description)
        }
        return (problems, notes)
    }
}
