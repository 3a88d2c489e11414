import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One writer per store file: an exclusive `flock` on `<store>.lock`, held while the store is open,
/// with the holder's PID written in it. SQLite's own locks serialise transactions but let a second
/// server run beside the first, and the first one's compaction then rewrote the head log under the
/// second one's acknowledged writes. The kernel drops the lock when the process dies (kill -9 included).
final class WriterLock: Sendable {
    let fd: Int32
    let path: String

    init(storePath: String) throws(StoreError) {
        path = storePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(.cannotOpen, "cannot create the lock file \(path)", underlying: String(cString: strerror(errno)))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw StoreError(.locked, "store \(storePath) is in use by another Augur writer" + (holder.isEmpty ? "" : " (PID \(holder))")
                             + "; stop it first, or read the file with a read-only command")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        self.fd = fd
    }

    deinit {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
