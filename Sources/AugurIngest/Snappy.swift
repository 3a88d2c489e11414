import CSnappy

/// Snappy block format (not the framing format), as Prometheus remote-write uses it.
package enum Snappy {
    package static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(IngestError) -> [UInt8] {
        guard let base = input.baseAddress?.assumingMemoryBound(to: CChar.self) else { return [] }
        var length = 0
        guard snappy_uncompressed_length(base, input.count, &length) == SNAPPY_OK else {
            throw IngestError(.malformed, format: "snappy", "body is not snappy block-compressed data")
        }
        guard length <= limit else {
            throw IngestError(.tooLarge, format: "snappy", "body decompresses to \(length) bytes, over the limit of \(limit)")
        }
        var out = [UInt8](repeating: 0, count: length)
        var outLength = length
        let status = out.withUnsafeMutableBytes { snappy_uncompress(base, input.count, $0.baseAddress!.assumingMemoryBound(to: CChar.self), &outLength) }
        guard status == SNAPPY_OK, outLength == length else {
            throw IngestError(.malformed, format: "snappy", "snappy data is damaged")
        }
        return out
    }

    package static func compress(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: snappy_max_compressed_length(input.count))
        var n = out.count
        input.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                _ = snappy_compress(src.baseAddress?.assumingMemoryBound(to: CChar.self), src.count, dst.baseAddress!.assumingMemoryBound(to: CChar.self), &n)
            }
        }
        out.removeLast(out.count - n)
        return out
    }
}
