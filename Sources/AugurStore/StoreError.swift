import AugurCore

/// A failure of the SQLite store.
package struct StoreError: AugurError {
    package enum Code: String, Sendable {
        /// The file cannot be opened or is not an Augur store.
        case cannotOpen
        /// SQLite reported an error while reading or writing.
        case io
        /// The store is busy (another writer holds the lock past the busy timeout).
        case busy
        /// Stored data does not decode (a damaged chunk).
        case corrupt
        /// The store was opened read-only and a write was attempted.
        case readOnly
        /// Another process holds the store's writer lock.
        case locked
        /// The disk (or a quota) is full: writes are refused until space frees; reads go on.
        case full
    }

    package let code: Code
    package let detail: String
    /// SQLite's own message, for logs; never shown to HTTP clients.
    package let underlying: String?

    package init(_ code: Code, _ detail: String, underlying: String? = nil) {
        self.code = code
        self.detail = detail
        self.underlying = underlying
    }

    package var description: String {
        underlying.map { "\(detail): \($0)" } ?? detail
    }
}
