import Crypto
import Foundation

/// SHA-256 as 64 lowercase hex digits: the one spelling of a digest in keys,
/// the store, the lock and provenance.
public enum SHA256Hex {
    public static func of(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
