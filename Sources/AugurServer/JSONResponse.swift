import Foundation
import Hummingbird

/// A JSON response from an `Encodable` value.
func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try jsonBytes(value))))
}

/// `value` as JSON: keys sorted (the same value, the same bytes), slashes as they are.
func jsonBytes<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
}

/// `{"status":"success","data":…}`, the envelope of Augur's API as of Prometheus'.
struct Success<Data: Encodable>: Encodable {
    let status = "success"
    let data: Data
}

/// `{"status":"success"}`: an action done, with nothing to return.
struct Done: Encodable {
    let status = "success"
}

/// An optional that encodes as `null` when absent (synthesised `Encodable` would leave the key out,
/// and clients of these routes read the key).
struct OrNull<Value: Encodable>: Encodable {
    let value: Value?
    init(_ value: Value?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}
